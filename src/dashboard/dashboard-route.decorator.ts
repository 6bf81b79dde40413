import { AdminRoute } from '../admin/admin-route.decorator';
import { DashboardAuthGuard } from './dashboard-auth.guard';

/**
 * A dashboard route: an admin route (never cached, in the admin rate limit, so session guessing
 * is limited too) whose guard takes the admin key or the dashboard session cookie.
 */
export const DashboardRoute = () => AdminRoute(DashboardAuthGuard);
