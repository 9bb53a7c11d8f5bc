import { notFound, permanentRedirect, redirect } from 'next/navigation.js';
import { describe, expect, it } from 'vitest';
import { classifyControlFlow } from './control-flow.js';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('classifyControlFlow', () => {
  it("recognises the installed Next's own redirect(), permanentRedirect() and notFound()", () => {
    expect(classifyControlFlow(thrownBy(() => redirect('/login')))).toEqual({ kind: 'redirect', status: 307 });
    expect(classifyControlFlow(thrownBy(() => permanentRedirect('/new')))).toEqual({ kind: 'redirect', status: 308 });
    expect(classifyControlFlow(thrownBy(() => notFound()))).toEqual({ kind: 'http-fallback', status: 404 });
  });

  it('recognises forbidden() and unauthorized() (experimental authInterrupts) by their digest', () => {
    expect(classifyControlFlow({ digest: 'NEXT_HTTP_ERROR_FALLBACK;403' })).toEqual({
      kind: 'http-fallback',
      status: 403,
    });
    expect(classifyControlFlow({ digest: 'NEXT_HTTP_ERROR_FALLBACK;401' })).toEqual({
      kind: 'http-fallback',
      status: 401,
    });
  });

  it('reads the status of a redirect whose URL contains semicolons', () => {
    const error = Object.assign(new Error('NEXT_REDIRECT'), { digest: 'NEXT_REDIRECT;push;/a;b?c=1;d;308;' });
    expect(classifyControlFlow(error)).toEqual({ kind: 'redirect', status: 308 });
  });

  it('knows the pre-15.1 not-found digest and the internal bail-outs', () => {
    expect(classifyControlFlow({ digest: 'NEXT_NOT_FOUND' })).toEqual({ kind: 'http-fallback', status: 404 });
    expect(classifyControlFlow({ digest: 'DYNAMIC_SERVER_USAGE' })).toEqual({
      kind: 'internal',
      digest: 'DYNAMIC_SERVER_USAGE',
    });
    expect(classifyControlFlow({ code: 'NEXT_STATIC_GEN_BAILOUT' })).toEqual({
      kind: 'internal',
      digest: 'NEXT_STATIC_GEN_BAILOUT',
    });
    expect(classifyControlFlow({ $$typeof: Symbol.for('react.postpone') })).toEqual({
      kind: 'internal',
      digest: 'REACT_POSTPONE',
    });
  });

  it('treats everything else as a real error, and survives hostile values', () => {
    expect(classifyControlFlow(new Error('boom'))).toBeUndefined();
    expect(classifyControlFlow({ digest: 'SOMETHING_ELSE' })).toBeUndefined();
    expect(classifyControlFlow('NEXT_REDIRECT')).toBeUndefined();
    expect(classifyControlFlow(null)).toBeUndefined();
    expect(classifyControlFlow(undefined)).toBeUndefined();
    const hostile = Object.defineProperty({}, 'digest', {
      get() {
        throw new Error('getter');
      },
    });
    expect(classifyControlFlow(hostile)).toBeUndefined();
    const proxy = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    expect(classifyControlFlow(proxy)).toBeUndefined();
  });
});
