/**
 * What `cdk destroy` leaves of a template and what the next `cdk deploy` of the same template claims, read from
 * the template alone: the resources that outlive the stack (DeletionPolicy Retain), and the physical names each
 * resource fixes. A deploy collides when it claims a fixed name that a retained resource still holds, or one the
 * service keeps reserved for a while after a delete.
 */

type Resource = {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  DependsOn?: string | string[];
};
export type Template = { Resources: Record<string, Resource> };

/** Where each type keeps its physical name, and what scopes it (a table's name is unique in its database). */
const NAME_OF: Record<string, { name: string; scope?: string }> = {
  'AWS::Kinesis::Stream': { name: 'Name' },
  'AWS::SQS::Queue': { name: 'QueueName' },
  'AWS::SNS::Topic': { name: 'TopicName' },
  'AWS::Events::EventBus': { name: 'Name' },
  'AWS::Events::Rule': { name: 'Name', scope: 'EventBusName' },
  'AWS::DynamoDB::Table': { name: 'TableName' },
  'AWS::Timestream::Database': { name: 'DatabaseName' },
  'AWS::Timestream::Table': { name: 'TableName', scope: 'DatabaseName' },
  'AWS::Timestream::InfluxDBInstance': { name: 'Name' },
  'AWS::KMS::Alias': { name: 'AliasName' },
  'AWS::Logs::LogGroup': { name: 'LogGroupName' },
  'AWS::S3::Bucket': { name: 'BucketName' },
  'AWS::SecretsManager::Secret': { name: 'Name' },
  'AWS::Lambda::Function': { name: 'FunctionName' },
  'AWS::IAM::Role': { name: 'RoleName' },
  'AWS::IAM::Policy': { name: 'PolicyName', scope: 'Roles' },
  'AWS::Bedrock::Agent': { name: 'AgentName' },
  'AWS::Bedrock::AgentAlias': { name: 'AgentAliasName', scope: 'AgentId' },
  'AWS::Bedrock::Guardrail': { name: 'Name' },
  'AWS::Scheduler::Schedule': { name: 'Name', scope: 'GroupName' },
  'AWS::EC2::SecurityGroup': { name: 'GroupName', scope: 'VpcId' },
  'AWS::CloudWatch::Alarm': { name: 'AlarmName' },
};

/**
 * Types whose service keeps a deleted resource's name reserved for a while, so a fixed name collides even when
 * the resource was deleted. Everything else is free again once CloudFormation reports the delete complete (the
 * resource-handler contract: a create with the same identifier after a delete succeeds).
 */
export const NAME_HELD_AFTER_DELETE: Readonly<Record<string, string>> = {
  'AWS::SQS::Queue': 'SQS DeleteQueue: wait at least 60 seconds before creating a queue with the same name',
  'AWS::SecretsManager::Secret':
    'Secrets Manager DeleteSecret: the name stays taken for the 7-30 day recovery window',
  'AWS::S3::Bucket': 'S3: a deleted bucket name can take some time to become available again',
};

/** DeletionPolicy values that leave the resource behind. */
const KEPT = new Set(['Retain', 'RetainExceptOnCreate']);
const PSEUDO = new Set([
  'AWS::AccountId',
  'AWS::Region',
  'AWS::Partition',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

/** The resources `cdk destroy` leaves behind. */
export function retained(template: Template): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => KEPT.has(r.DeletionPolicy ?? 'Delete'))
    .map(([id]) => id);
}

/**
 * The name a value fixes (the same on every deploy of this template in this account and region), or undefined
 * when CloudFormation generates it: a literal, a pseudo parameter, a join of those, or a Ref to a resource
 * whose own name is fixed.
 */
function fixedValue(template: Template, value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const parts = value.map((v) => fixedValue(template, v));
    return parts.every((p) => p !== undefined) ? parts.join(',') : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') {
    if (PSEUDO.has(v.Ref)) return `\${${v.Ref}}`;
    const target = template.Resources[v.Ref];
    return target === undefined ? undefined : physicalName(template, v.Ref);
  }
  const join = v['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) {
    const parts = join[1].map((p) => fixedValue(template, p));
    return parts.every((p) => p !== undefined) ? parts.join(join[0]) : undefined;
  }
  return undefined;
}

/** `Type scope/name` when the resource's physical name is fixed, else undefined. */
export function physicalName(template: Template, id: string): string | undefined {
  const r = template.Resources[id] as Resource;
  const where = NAME_OF[r.Type];
  if (where === undefined) return undefined;
  const name = fixedValue(template, r.Properties?.[where.name]);
  if (name === undefined) return undefined;
  if (where.scope === undefined) return `${r.Type} ${name}`;
  const scope = fixedValue(template, r.Properties?.[where.scope]);
  return scope === undefined ? undefined : `${r.Type} ${scope}/${name}`;
}

/** Types in the template that take a name this model does not know where to find (so none slips by). */
export function typesWithUnknownNames(template: Template, typesWithoutName: ReadonlySet<string>): string[] {
  return [
    ...new Set(
      Object.values(template.Resources)
        .map((r) => r.Type)
        .filter((t) => !(t in NAME_OF) && !typesWithoutName.has(t)),
    ),
  ];
}

/** Why the next deploy of the same template would fail on a name, one line per collision. */
export function nameCollisions(template: Template): string[] {
  const kept = new Set(retained(template));
  const heldByKept = new Map<string, string>();
  for (const id of kept) {
    const name = physicalName(template, id);
    if (name !== undefined) heldByKept.set(name, id);
  }
  const collisions: string[] = [];
  for (const id of Object.keys(template.Resources)) {
    const name = physicalName(template, id);
    if (name === undefined) continue;
    const holder = heldByKept.get(name);
    if (holder !== undefined) collisions.push(`${id}: ${name} is still held by the retained ${holder}`);
    const type = (template.Resources[id] as Resource).Type;
    const held = NAME_HELD_AFTER_DELETE[type];
    if (held !== undefined && holder === undefined) collisions.push(`${id}: ${name} (${held})`);
  }
  return collisions;
}

function referencesOf(value: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencesOf(v, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string' && !PSEUDO.has(v)) found.add(v);
      else if (k === 'Fn::GetAtt')
        found.add(Array.isArray(v) ? String(v[0]) : (String(v).split('.')[0] ?? ''));
      else referencesOf(v, found);
    }
  }
  return found;
}

/**
 * Properties whose references do not tie the retained resource to the referenced one: a key policy naming a
 * deleted role is left with that role's unique id, which does nothing (IAM, "Policy elements: Principal").
 */
const LOOSE_REFERENCES: Record<string, readonly string[]> = { 'AWS::KMS::Key': ['KeyPolicy'] };

/**
 * Retained resources that use something the destroy deletes: the delete fails on it (a subnet or security
 * group still in use) or the kept data loses what it needs (its key, its credentials).
 */
export function retainedDependingOnDeleted(template: Template): string[] {
  const kept = new Set(retained(template));
  const problems: string[] = [];
  for (const id of kept) {
    const r = template.Resources[id] as Resource;
    const loose = LOOSE_REFERENCES[r.Type] ?? [];
    const tied = Object.entries(r.Properties ?? {}).filter(([k]) => !loose.includes(k));
    const uses = referencesOf(Object.fromEntries(tied), new Set());
    for (const d of [r.DependsOn ?? []].flat()) uses.add(d);
    for (const used of uses) {
      if (template.Resources[used] !== undefined && !kept.has(used)) {
        problems.push(`${id} (retained) uses ${used} (${template.Resources[used]?.Type}, deleted)`);
      }
    }
  }
  return problems;
}
