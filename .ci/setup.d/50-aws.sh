# The real aws CLI and boto3 drive the Lambda-compatible API in the tests.
if ! command -v aws >/dev/null 2>&1 || ! python3 -c 'import boto3' >/dev/null 2>&1; then
  pip_install awscli==1.45.11 boto3==1.43.11
fi
