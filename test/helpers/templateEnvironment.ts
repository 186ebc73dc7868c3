import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A synthesized template, as far as these helpers read it. */
export interface CfnTemplate {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, string> }
  >;
}

/** The template of a stack in a cloud assembly folder. */
export function readTemplate(assemblyDir: string, templateFile: string): CfnTemplate {
  return JSON.parse(readFileSync(join(assemblyDir, templateFile), 'utf8')) as CfnTemplate;
}

/**
 * Values for the intrinsics a function's environment may hold: `Ref` of a logical id, `Fn::GetAtt` of a logical
 * id and attribute (`id.Attr`). A value the test did not provide fails the resolution, naming it: a new variable
 * the template gains cannot slip through unresolved.
 */
export type IntrinsicValues = Record<string, string>;

/** Resolves Ref, Fn::GetAtt and Fn::Join in a template value with the given values. */
export function resolveIntrinsics(value: unknown, values: IntrinsicValues, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') {
    const resolved = values[v.Ref];
    if (resolved === undefined) throw new Error(`${where}: no local value for Ref ${v.Ref}`);
    return resolved;
  }
  if (Array.isArray(v['Fn::GetAtt'])) {
    const [id, attr] = v['Fn::GetAtt'] as [string, string];
    const resolved = values[`${id}.${attr}`];
    if (resolved === undefined) throw new Error(`${where}: no local value for Fn::GetAtt ${id}.${attr}`);
    return resolved;
  }
  if (Array.isArray(v['Fn::Join'])) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => resolveIntrinsics(p, values, where)).join(separator);
  }
  throw new Error(`${where}: cannot resolve ${JSON.stringify(value)}`);
}

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
export function logicalId(template: CfnTemplate, type: string, prefix: string): string {
  const ids = Object.entries(template.Resources)
    .filter(([id, r]) => r.Type === type && id.startsWith(prefix))
    .map(([id]) => id);
  if (ids.length !== 1)
    throw new Error(`expected one ${type} named ${prefix}*, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

/** A deployed function as the template describes it. */
export interface TemplateFunction {
  logicalId: string;
  handler: string;
  runtime: string;
  memoryMb: number;
  /** The staged package folder inside the cloud assembly. */
  assetDir: string;
  /** Environment variables, intrinsics resolved. */
  environment: Record<string, string>;
}

/** The function whose Handler setting is `handler`, with its environment resolved. */
export function templateFunction(
  template: CfnTemplate,
  assemblyDir: string,
  handler: string,
  values: IntrinsicValues,
): TemplateFunction {
  const found = Object.entries(template.Resources).filter(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Handler === handler,
  );
  if (found.length !== 1)
    throw new Error(`expected one function with handler ${handler}, found ${found.length}`);
  const [id, resource] = found[0] as [
    string,
    { Properties: Record<string, unknown>; Metadata?: Record<string, string> },
  ];
  const variables = ((resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
    ?.Variables ?? {}) as Record<string, unknown>;
  const environment = Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      resolveIntrinsics(value, values, `${id} ${name}`),
    ]),
  );
  const assetPath = resource.Metadata?.['aws:asset:path'];
  if (assetPath === undefined) throw new Error(`${id} has no staged asset`);
  return {
    logicalId: id,
    handler,
    runtime: String(resource.Properties.Runtime),
    memoryMb: Number(resource.Properties.MemorySize),
    assetDir: join(assemblyDir, assetPath),
    environment,
  };
}
