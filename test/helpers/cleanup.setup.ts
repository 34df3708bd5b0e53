import { afterAll } from 'vitest';
import { cleanupTestFile } from './process.js';

// A vitest setupFile: runs in every test file before its own code, so this afterAll is the
// file's outermost one and runs last (hooks unwind as a stack), after the file's own afterAll.
afterAll(cleanupTestFile);
