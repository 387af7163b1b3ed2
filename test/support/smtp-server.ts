import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** up: every mail accepted; failing: every recipient refused with a temporary 451. */
export type SmtpMode = 'up' | 'failing';

export interface TestSmtpServer {
  /** An smtp:// URL with the user and password the server requires, like a real TALLY_SMTP_URL. */
  url: string;
  received: ParsedMail[];
  mode: SmtpMode;
  close(): Promise<void>;
}

export const SMTP_USER = 'tally';
export const SMTP_PASSWORD = 'smtp-password-never-logged';

/** A real SMTP server on loopback (the `smtp-server` package), parsing each mail it accepts with `mailparser`. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const state: { received: ParsedMail[]; mode: SmtpMode } = { received: [], mode: 'up' };
  const server = new SMTPServer({
    // Plain SMTP on loopback: no certificate to trust in the test, and AUTH allowed without TLS.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) return callback(null, { user: SMTP_USER });
      callback(new Error('Invalid username or password'));
    },
    onRcptTo(_address, _session, callback) {
      if (state.mode === 'failing') {
        const error = Object.assign(new Error('Mailbox temporarily unavailable'), { responseCode: 451 });
        return callback(error);
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          state.received.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${port}`,
    get received() {
      return state.received;
    },
    get mode() {
      return state.mode;
    },
    set mode(mode: SmtpMode) {
      state.mode = mode;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
