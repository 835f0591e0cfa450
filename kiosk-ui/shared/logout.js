// The log-out button of the staff pages (a shared tablet in the childcare room, a desk at
// reception): every element with data-logout ends the session on the server and returns to
// the login page. Loaded as a module by each page that has one.
import { api } from './api.js';

for (const button of document.querySelectorAll('[data-logout]')) {
  button.addEventListener('click', async () => {
    try {
      await api('POST', '/api/v1/auth/logout');
    } catch {
      // Logged out already, or offline: the login page is where to go either way.
    }
    location.href = '/';
  });
}
