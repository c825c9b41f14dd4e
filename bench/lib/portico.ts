// Which Portico the benchmarks run: this checkout by default, or another tree given with `--portico DIR`
// or a commit of this repository, so two versions can be compared with the same harness.
import { spawnSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeTempDir, removeTempDir } from './proc.ts';

const REPO = new URL('../../', import.meta.url).pathname;

export function porticoRoot(): string {
  const root = process.env.PORTICO_BENCH_ROOT ? resolve(process.env.PORTICO_BENCH_ROOT) : REPO;
  if (!existsSync(join(root, 'src/cli/main.ts'))) {
    throw new Error(`${root} has no src/cli/main.ts: --portico (PORTICO_BENCH_ROOT) must name a Portico source tree`);
  }
  return root.endsWith('/') ? root : `${root}/`;
}

/** The commit of the tree measured, and whether it has uncommitted edits, for the report. */
export function porticoRevision(): string {
  const root = porticoRoot();
  const rev = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (rev.status !== 0) return `${root} (not a git checkout)`;
  const dirty = spawnSync('git', ['-C', root, 'diff', '--quiet', 'HEAD', '--', 'src'], { encoding: 'utf8' }).status !== 0;
  return `${rev.stdout.trim()}${dirty ? ' with uncommitted changes in src/' : ''}`;
}

/**
 * `--portico SPEC`: a directory holding a Portico tree, or a commit of this repository, exported read-only with
 * `git archive` into a temporary folder that shares this checkout's node_modules. Returns the root and a cleanup.
 */
export function preparePortico(spec: string): { root: string; revision: string; cleanup: () => void } {
  if (existsSync(join(spec, 'src/cli/main.ts'))) return { root: resolve(spec), revision: `tree ${resolve(spec)}`, cleanup: () => {} };
  const rev = spawnSync('git', ['-C', REPO, 'rev-parse', '--verify', '--short', `${spec}^{commit}`], { encoding: 'utf8' });
  if (rev.status !== 0) throw new Error(`--portico ${spec}: neither a folder with src/cli/main.ts nor a commit of ${REPO}`);
  const dir = makeTempDir('portico-bench-tree-');
  const archive = spawnSync('sh', ['-c', `git -C "${REPO}" archive "${rev.stdout.trim()}" src package.json tsconfig.json | tar -x -C "${dir}"`], { encoding: 'utf8' });
  if (archive.status !== 0) throw new Error(`--portico ${spec}: git archive failed: ${archive.stderr}`);
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return { root: dir, revision: `commit ${rev.stdout.trim()}`, cleanup: () => removeTempDir(dir) };
}
