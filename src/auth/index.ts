export { ANONYMOUS, callerOf, type Caller } from './caller';
export { CurrentCaller, PublicRoute, RequireScope } from './auth.decorators';
export { SCOPES, type Scope } from './scopes';
