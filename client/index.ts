// The one HTTP client of Hookbook's management API (docs/cli.md): used by the CLI, the bench and the tests.
export { HookbookClient, type ClientOptions, type FollowOptions, type RequestOptions } from './api';
export { ApiError, UnreachableError } from './errors';
export { followSse, SseParser, type SseEvent } from './sse';
export { basicAuth, send, type Answer, type Credentials } from './transport';
export type * from './types';
