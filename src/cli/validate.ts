// `portico validate`: parse and translate exactly as `run` would, print the status, bind nothing.
import { stringify } from 'yaml';
import { listManifestFiles, loadFile, mergeFiles, SourceError } from '../sources/files.ts';
import { ResourceStore } from '../sources/store.ts';
import { StatusStore, toItems } from '../status/store.ts';
import { translate } from '../translate/index.ts';
import type { ValidateArgs } from './args.ts';
import { formatText, problems } from './format.ts';

export async function validate(args: ValidateArgs, out = process.stdout, err = process.stderr): Promise<number> {
  let files: string[];
  try {
    files = await listManifestFiles(args.files);
  } catch (e) {
    if (e instanceof SourceError) return fail(err, e.message);
    throw e;
  }
  const loads = await Promise.all(files.map((f) => loadFile(f)));
  const broken = loads.filter((l) => l.error);
  if (broken.length > 0) {
    for (const l of broken) err.write(`portico validate: ${l.error!.message}\n`);
    return 2;
  }
  const { objects, duplicates } = mergeFiles(loads);
  for (const d of duplicates) err.write(`portico validate: warning: ${d.id} is defined twice: using ${d.kept}, ignoring ${d.ignored}\n`);

  const store = new ResourceStore();
  for (const p of objects) store.upsert(p.object, { file: p.file, line: p.line });
  const status = new StatusStore().update(translate(store.snapshot()).status);

  if (args.output === 'json') out.write(JSON.stringify({ items: toItems(status) }, null, 2) + '\n');
  else if (args.output === 'yaml') out.write(stringify({ items: toItems(status) }));
  else {
    out.write(formatText(status));
    const found = problems(status);
    out.write(found.length === 0
      ? `\n${status.length} object(s): all accepted, all references resolved\n`
      : `\n${found.length} problem(s):\n${found.map((p) => `  ${p}`).join('\n')}\n`);
  }
  return problems(status).length === 0 ? 0 : 1;
}

function fail(err: NodeJS.WritableStream, message: string): number {
  err.write(`portico validate: ${message}\n`);
  return 2;
}
