/** This package's own `require` (see packageRequire.cjs). */
export declare const packageRequire: NodeJS.Require;
