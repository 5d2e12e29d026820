/** The instrumentation scope of the queue's metrics (`instrumentQueue`) and of the drain's spans (`drainDeferred`). */
export const INSTRUMENTATION_SCOPE = '@stormwatch/queue';
export const INSTRUMENTATION_VERSION = '0.1.0';
