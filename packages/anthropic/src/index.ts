export {
  resilient,
  type ResilientClient,
  type ResilientMessages,
  type ResilientOptions,
  type ResilientPromise,
  type ResilientRequestOptions,
  type SdkRequestOptions,
} from './resilient.js';
export type { MessageContent } from '@stormwatch/conventions';
export { createClassifier, type ClassifierOptions } from './internal/errors.js';
export { StreamInterruptedError, isStreamInterruptedError } from './StreamInterruptedError.js';
export { costOf, DEFAULT_PRICES, PRICE_TABLE_SOURCE, PRICE_TABLE_VERSION, priceOf, validatePrices, type ModelPrice, type PriceTable } from './pricing.js';
