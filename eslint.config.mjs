// ESLint (flat config): typescript-eslint's recommended rules over the TypeScript sources, scripts and
// benchmarks. `npm run lint` runs it with Prettier's check; CI runs `npm run lint` before the tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.cache/**',
      'bench/out/**',
      'test-artifacts/**',
      '**/testdata/**',
      'corpus/recordings/**',
      'examples/**/recording/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        fetch: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        setImmediate: 'readonly',
        WebAssembly: 'readonly',
      },
    },
    rules: {
      // `_name` marks a value deliberately unused (destructuring it away, an ignored callback argument).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A let read by a closure before its one assignment (a child started later, stopped in t.after).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // The report pages' scripts run in the browser (the saved report and the live page), as plain ES5.
    files: ['src/report/**/client/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        devicePixelRatio: 'readonly',
        uPlot: 'readonly',
        EventSource: 'readonly',
        getComputedStyle: 'readonly',
        requestAnimationFrame: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^HeapsightReport$' }], 'no-var': 'off' },
  },
);
