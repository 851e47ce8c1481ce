/** A small page listing what the dev SMTP server received (like MailDev): `/` and `/messages.json`. */
import { createServer, Server } from 'node:http';
import Handlebars from 'handlebars';
import type { Mailbox } from './dev-smtp';
import { listen } from './listen';

const page =
  Handlebars.compile(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>开发邮箱</title>
<style>body{font-family:sans-serif;margin:24px}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:8px;text-align:left;vertical-align:top}pre{white-space:pre-wrap;margin:0}</style>
</head><body><h1>开发邮箱（收到 {{messages.length}} 封）</h1><table><tr><th>时间</th><th>收件人</th><th>主题</th><th>正文</th></tr>
{{#each messages}}<tr><td>{{receivedAt}}</td><td>{{to}}</td><td>{{subject}}</td><td><pre>{{text}}</pre></td></tr>{{/each}}
</table></body></html>`);

export async function startDevMailUi(mailbox: Mailbox, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const messages = [...mailbox.messages].reverse();
    if (req.url === '/messages.json') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(messages));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page({ messages }));
  });
  await listen(server, port, '127.0.0.1');
  return server;
}
