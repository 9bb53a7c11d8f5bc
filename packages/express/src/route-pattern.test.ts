import { describe, expect, it } from 'vitest';
import { join, watchRoute } from './route-pattern.js';
import type { ExpressRequest } from './types.js';

describe('route patterns', () => {
  it('joins the mount path and the route path, whatever shape the path has', () => {
    expect(join('', '/users/:id')).toBe('/users/:id');
    expect(join(undefined, '/users/:id')).toBe('/users/:id');
    expect(join('/api', '/users/:id')).toBe('/api/users/:id');
    expect(join('/api', '/')).toBe('/api');
    expect(join('', /^\/files\/.*$/)).toBe('/^\\/files\\/.*$/');
    expect(join('', ['/a', '/b'])).toBe('/a,/b');
    expect(join('', undefined)).toBeUndefined();
  });

  it('keeps the mount path in force when the route was matched, even after Express restores baseUrl', () => {
    const req = { method: 'GET', url: '/api/orders/1', baseUrl: '', headers: {} } as ExpressRequest;
    const pattern = watchRoute(req);
    expect(pattern()).toBeUndefined();
    req.baseUrl = '/api';
    req.route = { path: '/orders/:id' };
    req.baseUrl = ''; // an error left the nested router
    expect(pattern()).toBe('/api/orders/:id');
    expect(req.route).toEqual({ path: '/orders/:id' });
  });
});
