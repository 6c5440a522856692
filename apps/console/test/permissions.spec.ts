import { PERMISSION_CATALOGUE } from '@wozamali/auth';
import catalogue from '../web/permissions.json';

// The console offers these checkboxes when an API key is created: exactly what the gateway accepts.
it('the API-key form offers exactly the permission catalogue of libs/auth', () => {
  expect(catalogue).toEqual(JSON.parse(JSON.stringify(PERMISSION_CATALOGUE)));
});
