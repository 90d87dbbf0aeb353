"""`python -m infra_config [ENV]`: validate one environment file; exit 1 with one line if bad.

`make synth` runs this before the cdktf CLI, so a bad file never touches `cdktf.out`.
"""

import sys

from infra_config.loader import DEFAULT_ENVIRONMENT, ConfigError, load_config
from infra_config.promotion import check_promotions
from infra_constructs.rds_ca import RdsCaError, rds_root_certificates


def main(argv: list[str]) -> int:
    environment = argv[0] if argv else DEFAULT_ENVIRONMENT
    try:
        config = load_config(environment)
        check_promotions(config)  # the environments it promotes from and to agree with it
        if config.database.kind == "rds":  # the app verifies RDS against the region's CAs
            rds_root_certificates(config.aws.region)
    except (ConfigError, RdsCaError) as error:
        print(f"config error: {error}", file=sys.stderr)
        return 1
    print(f"config/{environment}.yaml is valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
