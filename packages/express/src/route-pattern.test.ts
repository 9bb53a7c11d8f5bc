import { describe, expect, it } from 'vitest';
import { ActiveRequestTrace } from './request-trace.js';
import { loadExpress } from './test-support.js';
import type { ActiveObservation } from '@fusewire/core';
import { join, matchedRoute, watchRoute } from './route-pattern.js';
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
    watchRoute(req);
    expect(matchedRoute(req)).toBeUndefined();
    req.baseUrl = '/api';
    req.route = { path: '/orders/:id' };
    req.baseUrl = ''; // an error left the nested router
    expect(matchedRoute(req)).toBe('/api/orders/:id');
    expect(req.route).toEqual({ path: '/orders/:id' });
  });

  it('every request gets the same accessor pair (no closures per request)', () => {
    const a = { method: 'GET', url: '/', headers: {} } as ExpressRequest;
    const b = { method: 'GET', url: '/', headers: {} } as ExpressRequest;
    watchRoute(a);
    watchRoute(b);
    const [da, db] = [Object.getOwnPropertyDescriptor(a, 'route'), Object.getOwnPropertyDescriptor(b, 'route')];
    expect(da?.get).toBeTypeOf('function');
    expect([da?.get, da?.set]).toEqual([db?.get, db?.set]);
    expect(da?.get).toBe(db?.get);
  });

  it('a frozen request is named from what it holds at the end', () => {
    const req = Object.freeze({ method: 'GET', url: '/a', baseUrl: '/api', route: { path: '/a' }, headers: {} });
    watchRoute(req as ExpressRequest);
    expect(matchedRoute(req as ExpressRequest)).toBe('/api/a');
  });

  it('one route object mounted at two paths is named by the mount in force', () => {
    const shared = { path: '/items' };
    const a = { method: 'GET', url: '/', baseUrl: '/v1', headers: {} } as ExpressRequest;
    const b = { method: 'GET', url: '/', baseUrl: '/v2', headers: {} } as ExpressRequest;
    watchRoute(a);
    watchRoute(b);
    a.route = shared;
    b.route = shared;
    expect([matchedRoute(a), matchedRoute(b), matchedRoute(a)]).toEqual(['/v1/items', '/v2/items', '/v1/items']);
  });

  it.each([4, 5] as const)(
    'on an Express %i request the accessor sits on the prototype: no own route property',
    async (major) => {
      const app = (await loadExpress(major))() as unknown as { request: object };
      const req = Object.assign(Object.create(app.request), { baseUrl: '', headers: {} }) as ExpressRequest;
      watchRoute(req);
      req.baseUrl = '/api';
      req.route = { path: '/orders/:id' };
      req.baseUrl = '';
      expect(Object.hasOwn(req, 'route')).toBe(false);
      expect(req.route).toEqual({ path: '/orders/:id' });
      expect(matchedRoute(req)).toBe('/api/orders/:id');
      // A second request of the same app starts with no route of its own.
      const next = Object.assign(Object.create(app.request), { baseUrl: '', headers: {} }) as ExpressRequest;
      watchRoute(next);
      expect([next.route, matchedRoute(next)]).toEqual([undefined, undefined]);
    },
  );

  it('a traced Express request keeps its match on its trace: the match adds no property to the request', async () => {
    const app = (await loadExpress(5))() as unknown as { request: object };
    const req = Object.assign(Object.create(app.request), { baseUrl: '', headers: {} }) as ExpressRequest;
    new ActiveRequestTrace(req, {} as ActiveObservation, { method: 'GET', requestId: undefined, headers: undefined });
    watchRoute(req);
    const keys = Reflect.ownKeys(req);
    req.baseUrl = '/api';
    req.route = { path: '/orders/:id' };
    req.baseUrl = '';
    expect(Reflect.ownKeys(req)).toEqual(keys);
    expect(req.route).toEqual({ path: '/orders/:id' });
    expect(matchedRoute(req)).toBe('/api/orders/:id');
  });
});
