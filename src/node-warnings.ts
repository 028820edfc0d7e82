/**
 * Drops one warning: the AWS SDK's notice that releases after early 2027 need Node 22. The
 * project pins the SDK and supports Node ≥ 20.19 on purpose, so for our users it is noise on
 * every run. Every other warning passes through.
 */
const emit = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : `${warning.name}: ${warning.message}`;
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === 'NodeVersionSupportWarning' || text.includes('NodeVersionSupportWarning') || text.includes('will require node >=22')) return;
  (emit as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
