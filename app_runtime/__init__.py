"""What the app needs at run time before cdktf starts; not constructs (see provider_loader)."""
