import { sharedConfig } from '../../vitest.shared.js';

// --expose-gc: a test checks that instrumenting a policy never keeps it alive.
export default sharedConfig({ execArgv: ['--expose-gc'] });
