#!/bin/bash
# LocalStack ready hook: the resources `pfm simulate` / `pfm consume` and a retraining job use, named as
# the CDK stack names them (infra/constants.ts resourceNames; test/infra/localstack.test.ts checks both).
# Idempotent: a restarted container with persisted state finds everything in place and changes nothing.
set -euo pipefail

if [ "${PFM_LOCAL_INIT:-resources}" = "skip" ]; then
  echo "pfm: PFM_LOCAL_INIT=skip, creating nothing (cdklocal deploy creates the resources)"
  exit 0
fi

PREFIX="${PFM_NAME_PREFIX:-pfm}"
REGION="${AWS_DEFAULT_REGION:-us-east-1}"
SHARDS="${PFM_SHARDS:-2}"

# Resource names (one per line, VAR="${PREFIX}-suffix": the test reads them from here).
STREAM="${PREFIX}-readings"
EVENT_BUS="${PREFIX}-events"
RETRAINING_QUEUE="${PREFIX}-retraining"
RETRAINING_DLQ="${PREFIX}-retraining-dlq"
RETRAINING_RULE_DLQ="${PREFIX}-retraining-rule-dlq"
INFERENCE_FAILURES="${PREFIX}-inference-failures"
DRIFT_FAILURES="${PREFIX}-drift-failures"
ALERTS_TOPIC="${PREFIX}-alerts"

# The drift monitor's events that call for retraining (infra/constants.ts RETRAINING_DETAIL_TYPES).
EVENT_PATTERN='{"source":["pfm.drift"],"detail-type":["ModelRetrainingRecommended","FeatureDriftDetected"]}'

queue_arn() {
  awslocal sqs get-queue-attributes --queue-url "$1" --attribute-names QueueArn --query Attributes.QueueArn --output text
}

if ! awslocal kinesis describe-stream-summary --stream-name "$STREAM" >/dev/null 2>&1; then
  awslocal kinesis create-stream --stream-name "$STREAM" --shard-count "$SHARDS"
fi
awslocal kinesis wait stream-exists --stream-name "$STREAM"

if ! awslocal events describe-event-bus --name "$EVENT_BUS" >/dev/null 2>&1; then
  awslocal events create-event-bus --name "$EVENT_BUS" >/dev/null
fi

# create-queue returns the existing queue when the attributes match, so these are safe to repeat.
DLQ_URL=$(awslocal sqs create-queue --queue-name "$RETRAINING_DLQ" --query QueueUrl --output text)
DLQ_ARN=$(queue_arn "$DLQ_URL")
# In an unquoted here-document \" stays as written: RedrivePolicy is a JSON string inside the JSON map.
ATTRIBUTES=$(cat <<JSON
{"VisibilityTimeout":"900","RedrivePolicy":"{\"deadLetterTargetArn\":\"${DLQ_ARN}\",\"maxReceiveCount\":\"5\"}"}
JSON
)
QUEUE_URL=$(awslocal sqs create-queue --queue-name "$RETRAINING_QUEUE" --attributes "$ATTRIBUTES" \
  --query QueueUrl --output text)
QUEUE_ARN=$(queue_arn "$QUEUE_URL")
RULE_DLQ_URL=$(awslocal sqs create-queue --queue-name "$RETRAINING_RULE_DLQ" --query QueueUrl --output text)
RULE_DLQ_ARN=$(queue_arn "$RULE_DLQ_URL")
awslocal sqs create-queue --queue-name "$INFERENCE_FAILURES" >/dev/null
awslocal sqs create-queue --queue-name "$DRIFT_FAILURES" >/dev/null

TOPIC_ARN=$(awslocal sns create-topic --name "$ALERTS_TOPIC" --query TopicArn --output text)

awslocal events put-rule --name "${PREFIX}-retraining" --event-bus-name "$EVENT_BUS" \
  --event-pattern "$EVENT_PATTERN" >/dev/null
awslocal events put-targets --rule "${PREFIX}-retraining" --event-bus-name "$EVENT_BUS" --targets \
  "[{\"Id\":\"alerts\",\"Arn\":\"${TOPIC_ARN}\",\"DeadLetterConfig\":{\"Arn\":\"${RULE_DLQ_ARN}\"}},
    {\"Id\":\"retraining\",\"Arn\":\"${QUEUE_ARN}\",\"DeadLetterConfig\":{\"Arn\":\"${RULE_DLQ_ARN}\"}}]" >/dev/null

echo "pfm: LocalStack resources ready in ${REGION}: stream ${STREAM} (${SHARDS} shards), bus ${EVENT_BUS}, queue ${RETRAINING_QUEUE}, topic ${ALERTS_TOPIC}"
