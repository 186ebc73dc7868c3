/**
 * Every resource policy of a synthesized template, one row per Allow statement and principal: who may act on
 * which resource, and under which condition keys. Identity policies (AWS::IAM::Policy) are not resource
 * policies; a role's trust policy is (the role is the resource, the principal assumes it).
 */
export interface PolicyRow {
  /** `Type LogicalId`, e.g. `AWS::SQS::QueuePolicy EventsRetrainingQueuePolicyF6BB04DE`. */
  resource: string;
  type: string;
  /** `service:events.amazonaws.com`, `aws:<arn>` or `*`. */
  principal: string;
  actions: string[];
  conditionKeys: string[];
}

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Statement = {
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  Condition?: Record<string, object>;
};

/** Where each resource-policy type keeps its policy document. */
const DOCUMENT_OF: Record<string, (p: Record<string, unknown>) => unknown> = {
  'AWS::SQS::QueuePolicy': (p) => p.PolicyDocument,
  'AWS::SQS::QueueInlinePolicy': (p) => p.PolicyDocument,
  'AWS::SNS::TopicPolicy': (p) => p.PolicyDocument,
  'AWS::SNS::TopicInlinePolicy': (p) => p.PolicyDocument,
  'AWS::S3::BucketPolicy': (p) => p.PolicyDocument,
  'AWS::KMS::Key': (p) => p.KeyPolicy,
  'AWS::IAM::Role': (p) => p.AssumeRolePolicyDocument,
  'AWS::SecretsManager::ResourcePolicy': (p) => p.ResourcePolicy,
  'AWS::Kinesis::ResourcePolicy': (p) => p.ResourcePolicy,
  'AWS::Events::EventBusPolicy': (p) => (p.Statement ? { Statement: [p.Statement] } : undefined),
  'AWS::Events::EventBus': (p) => p.Policy,
  'AWS::Logs::ResourcePolicy': (p) =>
    typeof p.PolicyDocument === 'string' ? JSON.parse(p.PolicyDocument) : p.PolicyDocument,
  'AWS::DynamoDB::Table': (p) =>
    (p.ResourcePolicy as { PolicyDocument?: unknown } | undefined)?.PolicyDocument,
  'AWS::Lambda::LayerVersionPermission': () => undefined,
};

/** Identity policies: attached to a principal, they grant it access; they name no other principal. */
const IDENTITY_POLICY_TYPES = new Set(['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']);

/** Resource types that hold a resource policy this module does not read (so a new kind cannot slip by). */
export function unreadPolicyTypes(template: { Resources: Record<string, Resource> }): string[] {
  return [
    ...new Set(
      Object.values(template.Resources)
        .map((r) => r.Type)
        .filter((t) => /Policy|Permission/.test(t) && !IDENTITY_POLICY_TYPES.has(t))
        .filter((t) => !(t in DOCUMENT_OF) && t !== 'AWS::Lambda::Permission'),
    ),
  ];
}

function principalsOf(principal: unknown): string[] {
  if (principal === '*') return ['*'];
  if (typeof principal !== 'object' || principal === null) return [];
  const found: string[] = [];
  for (const [kind, value] of Object.entries(principal)) {
    for (const v of [value].flat()) {
      const name = typeof v === 'string' ? v : JSON.stringify(v);
      found.push(
        kind === 'Service'
          ? `service:${name}`
          : kind === 'AWS' && v === '*'
            ? '*'
            : `${kind.toLowerCase()}:${name}`,
      );
    }
  }
  return found;
}

/** The resource policies of a template, one row per Allow statement and principal. */
export function resourcePolicies(template: { Resources: Record<string, Resource> }): PolicyRow[] {
  const rows: PolicyRow[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const props = r.Properties ?? {};
    const resource = `${r.Type} ${id}`;
    if (r.Type === 'AWS::Lambda::Permission') {
      // A Lambda permission is one statement in CloudFormation's own shape (AddPermission's parameters).
      const conditionKeys = [
        ...(props.SourceArn === undefined ? [] : ['aws:SourceArn']),
        ...(props.SourceAccount === undefined ? [] : ['aws:SourceAccount']),
        ...(props.PrincipalOrgID === undefined ? [] : ['aws:PrincipalOrgID']),
      ];
      const principal = String(props.Principal);
      rows.push({
        resource,
        type: r.Type,
        principal: principal.endsWith('.amazonaws.com') ? `service:${principal}` : principal,
        actions: [String(props.Action)],
        conditionKeys,
      });
      continue;
    }
    const read = DOCUMENT_OF[r.Type];
    if (read === undefined) continue;
    const document = read(props) as { Statement?: Statement[] } | undefined;
    for (const statement of document?.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      const conditionKeys = Object.values(statement.Condition ?? {}).flatMap((c) => Object.keys(c));
      for (const principal of principalsOf(statement.Principal)) {
        rows.push({
          resource,
          type: r.Type,
          principal,
          actions: [statement.Action].flat().map(String),
          conditionKeys,
        });
      }
    }
  }
  return rows;
}

/** Condition keys that bind a service's access to our own resources (the confused-deputy guard). */
const SOURCE_KEYS = new Set(['aws:SourceArn', 'aws:SourceAccount', 'aws:SourceOrgID']);

/**
 * Keys accepted instead, where the service documents no source key. SNS (sns-key-management: "Adding the
 * aws:SourceAccount and aws:SourceArn to a AWS KMS policy is not supported for EventBridge-to-encrypted
 * topics"): the key is bound to the topic through the encryption context SNS sends, the topic's ARN.
 */
const SOURCE_KEYS_BY_TYPE: Record<string, ReadonlySet<string>> = {
  'AWS::KMS::Key': new Set(['kms:EncryptionContext:aws:sns:topicArn']),
};

/**
 * Roles a service assumes only after someone in this account handed the role over with iam:PassRole (a
 * function's execution role): IAM refuses to pass a role across accounts, which is what closes the
 * confused-deputy opening here (IAM User Guide, "Granting a user permissions to pass a role to an AWS service").
 */
const PASSED_ROLE_SERVICES = new Set(['service:lambda.amazonaws.com']);

/** The rows that let a service principal in without binding it to our account or resources. */
export function unscopedServiceGrants(rows: readonly PolicyRow[]): PolicyRow[] {
  return rows.filter((row) => {
    if (!row.principal.startsWith('service:')) return false;
    if (row.type === 'AWS::IAM::Role' && PASSED_ROLE_SERVICES.has(row.principal)) return false;
    const accepted = SOURCE_KEYS_BY_TYPE[row.type];
    return !row.conditionKeys.some((k) => SOURCE_KEYS.has(k) || accepted?.has(k));
  });
}

/** One line per row, for failure messages and the report. */
export function describeRows(rows: readonly PolicyRow[]): string {
  return rows
    .map((r) => `${r.resource}  ${r.principal}  [${r.actions.join(',')}]  {${r.conditionKeys.join(',')}}`)
    .join('\n');
}
