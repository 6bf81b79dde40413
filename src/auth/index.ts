export { ANONYMOUS, callerOf, type Caller } from './caller';
export { CurrentCaller, PublicRoute, RequireScope, SELF_GUARDED } from './auth.decorators';
export { AuthModule } from './auth.module';
export { installCallerIdentification } from './caller-identification';
export { CallerRegistry } from './caller-registry';
export { presentedSecret } from './presented-secret';
export { RouteScopes } from './route-scopes';
export { SCOPES, type Scope } from './scopes';
