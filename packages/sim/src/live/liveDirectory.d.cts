/** The folder the live fleet's modules are in (see liveDirectory.cjs). */
export declare const liveDirectory: string;
