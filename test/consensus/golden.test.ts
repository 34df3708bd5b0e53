// Golden transcripts: testdata/<name>.script is run and its output compared to
// testdata/<name>.txt. UPDATE_GOLDEN=1 rewrites the .txt files (review the diff!).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScriptRunner } from './script/interpreter.js';

const dir = join(import.meta.dirname, 'testdata');
const scripts = readdirSync(dir).filter((f) => f.endsWith('.script')).sort();

describe('golden transcripts', () => {
  it.each(scripts)('%s', (file) => {
    const output = new ScriptRunner().run(readFileSync(join(dir, file), 'utf8'));
    const golden = join(dir, file.replace(/\.script$/, '.txt'));
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, output);
    expect(output).toBe(readFileSync(golden, 'utf8'));
  });
});
