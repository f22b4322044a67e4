// Route templates and precedence, without a socket (the HTTP suite proves the same over a socket).
import { describe, expect, it } from 'vitest';
import { compileRoute, matchRoute, sortRoutes } from '../../local/routes';

const routes = sortRoutes([
  compileRoute('api/items/{*rest}', ['GET'], 'catchAll'),
  compileRoute('api/items/{name}', ['GET'], 'byName'),
  compileRoute('api/items/{id:int}', ['GET'], 'byId'),
  compileRoute('api/items/special', ['GET'], 'literal'),
  compileRoute('api/opt/{name?}', ['GET'], 'optional'),
  compileRoute('api/files/{name}.json', ['GET'], 'mixed'),
  compileRoute('api/post', ['POST'], 'postOnly'),
]);
const hit = (method: string, path: string) => matchRoute(routes, method, path);

describe('route templates', () => {
  it('prefers literal > constrained parameter > parameter > catch-all', () => {
    expect(hit('GET', '/api/items/special')?.route.target).toBe('literal');
    expect(hit('GET', '/api/items/42')?.route.target).toBe('byId');
    expect(hit('GET', '/api/items/abc')?.route.target).toBe('byName');
    expect(hit('GET', '/api/items/a/b/c')?.route.target).toBe('catchAll');
    expect(hit('GET', '/api/items/a/b/c')?.params).toEqual({ rest: 'a/b/c' });
  });
  it('matches literals case-insensitively and decodes parameters', () => {
    expect(hit('GET', '/API/Items/SPECIAL')?.route.target).toBe('literal');
    expect(hit('GET', '/api/items/a%20b')?.params).toEqual({ name: 'a b' });
  });
  it('handles optional and mixed segments', () => {
    expect(hit('GET', '/api/opt')?.params).toEqual({});
    expect(hit('GET', '/api/opt/x')?.params).toEqual({ name: 'x' });
    expect(hit('GET', '/api/files/report.json')?.params).toEqual({ name: 'report' });
  });
  it('skips a route whose method does not match (the host then answers 404)', () => {
    expect(hit('GET', '/api/post')).toBeUndefined();
    expect(hit('POST', '/api/post')?.route.target).toBe('postOnly');
  });
});
