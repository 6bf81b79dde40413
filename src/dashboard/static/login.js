// Exchanges the admin key for the dashboard's session cookie, then loads the page again.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('login-form');
  const error = document.getElementById('login-error');
  const REASONS = { 401: 'That key is not the admin key.', 429: 'Too many attempts; wait a minute.', 503: 'The admin API is disabled on this service.' };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const response = await fetch('/api/v1/admin/dashboard/session', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'x-api-key': document.getElementById('api-key').value },
      });
      await response.text(); // read it whole: navigating away mid-response aborts the request
      if (response.ok) return location.replace('/admin/dashboard');
      error.textContent = REASONS[response.status] || `Refused (${response.status}).`;
    } catch (e) {
      error.textContent = `The service did not answer: ${e.message}`;
    }
  });
});
