"""Constants shared by the delivery tests (a uniquely named module: `from conftest import`
would be ambiguous, every test folder has a conftest.py)."""

REPOSITORY = "djeks/django-app"
"""The ECR repository the registry tests create (moto)."""
MANIFEST = (
    '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", '
    '"config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, '
    '"digest": "sha256:' + "0" * 64 + '"}, "layers": []}'
)
"""A minimal image manifest ECR (moto) accepts."""

# A competing developer pushes from another clone. The hook runs inside the tool's own git
# command, so it drops the variables git exports to hooks and the bot identity it inherits.
COMPETING_PUSH = """\
unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE GIT_PREFIX
export GIT_AUTHOR_NAME=Competitor GIT_AUTHOR_EMAIL=competitor@example.com
export GIT_COMMITTER_NAME=Competitor GIT_COMMITTER_EMAIL=competitor@example.com
cd "{competitor}"
git pull --quiet --rebase origin main
date +%s%N >> competitor.txt
git add competitor.txt
git commit --quiet -m "Competing change"
git push --quiet origin HEAD:main
"""
