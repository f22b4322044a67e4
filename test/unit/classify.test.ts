import { describe, expect, it } from 'vitest';
import { classifyLine, LineSplitter } from '../../shared/runners/classify';

describe('stream line classification (PowerShell host convention)', () => {
  it('maps stdout prefixes to their streams and strips the prefix', () => {
    expect(classifyLine('VERBOSE: connecting', 'stdout')).toEqual({ streamType: 'Verbose', text: 'connecting' });
    expect(classifyLine('WARNING: low disk', 'stdout')).toEqual({ streamType: 'Warning', text: 'low disk' });
    expect(classifyLine('DEBUG: x=1', 'stdout')).toEqual({ streamType: 'Debug', text: 'x=1' });
    expect(classifyLine('PROGRESS: 50%', 'stdout')).toEqual({ streamType: 'Progress', text: '50%' });
  });
  it('keeps other stdout lines as Output, prefix-like text included', () => {
    expect(classifyLine('hello', 'stdout')).toEqual({ streamType: 'Output', text: 'hello' });
    expect(classifyLine('verbose: lower case is output', 'stdout').streamType).toBe('Output');
    expect(classifyLine('VERBOSE:no space', 'stdout').streamType).toBe('Output');
  });
  it('makes every stderr line an Error, whatever its prefix', () => {
    expect(classifyLine('VERBOSE: on stderr', 'stderr')).toEqual({ streamType: 'Error', text: 'VERBOSE: on stderr' });
  });
});

describe('LineSplitter', () => {
  it('splits LF and CRLF, keeps a partial line until the end', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('a\r\nb\nc'))).toEqual(['a', 'b']);
    expect(s.push(Buffer.from('d\n'))).toEqual(['cd']);
    expect(s.push(Buffer.from('tail'))).toEqual([]);
    expect(s.end()).toEqual(['tail']);
  });
  it('decodes UTF-8 split across chunks', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('héllo ✓\n');
    expect(s.push(bytes.subarray(0, 2))).toEqual([]);
    expect(s.push(bytes.subarray(2))).toEqual(['héllo ✓']);
  });
});
