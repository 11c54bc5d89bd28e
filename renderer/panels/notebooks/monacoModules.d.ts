// Side-effect-only Monaco contributions that ship without type declarations.
declare module 'monaco-editor/editor/contrib/bracketMatching/browser/bracketMatching';
