export { resilient } from './resilient.js';
export type { ResilientBeta, ResilientBetaMessages, ResilientClient, ResilientMessages } from './ResilientClient.js';
export type { ResilientOptions, ResilientRequestOptions, SdkRequestOptions } from './ResilientOptions.js';
export { retriesExhaustedInfo, type ExhaustedSdkError, type RetriesExhaustedInfo } from './callerError.js';
export type { MessageContent } from '@stormwatch/conventions';
export { createClassifier, type ClassifierOptions } from './internal/errors.js';
export { StreamInterruptedError, isStreamInterruptedError } from './StreamInterruptedError.js';
export { costOf, DEFAULT_PRICES, PRICE_TABLE_SOURCE, PRICE_TABLE_VERSION, priceOf, validatePrices, type ModelPrice, type PriceTable } from './pricing.js';
