/** Where the page lives (outside /api: it is HTML for people, not part of the JSON API). */
export const DASHBOARD_PAGE_PATH = 'admin/dashboard';
export const DASHBOARD_API_PATH = 'api/v1/admin/dashboard';

/**
 * Headers of the page and its assets. The CSP allows only our own origin's scripts, styles and
 * fetches: no inline script or style, nothing from a CDN, no framing, no form posts elsewhere.
 * (chart.js sizes its canvas through the CSSOM, which style-src does not restrict.)
 */
export const DASHBOARD_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
