/**
 * The machine floor the bench holds Hookbook against: a bare node:http server in its own process
 * running exec('echo hello') per request (its pid, so that its CPU can be read). run-curve.ts and
 * spawn.ts alternate with it.
 */
import { spawn } from 'node:child_process';

export async function startFloor(): Promise<{ url: string; pid: number; stop: () => void }> {
  const code = `const http=require('node:http');const {exec}=require('node:child_process');
http.createServer((q,s)=>{q.resume();q.on('end',()=>exec('echo hello',(e,out)=>{s.writeHead(e?500:200,{'content-type':'text/plain'});s.end(out);}));})
.listen(0,'127.0.0.1',function(){process.stdout.write(String(this.address().port)+'\\n');});`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim()));
    child.once('exit', () => reject(new Error('the floor server exited')));
  });
  return { url: `http://127.0.0.1:${port}/`, pid: child.pid!, stop: () => child.kill() };
}
