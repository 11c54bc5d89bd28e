import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ServicesProvider, createServices } from './platform/services';
import { Workbench } from './app/Workbench';
import { CoreConnection } from './platform/connection';
import { terminalCursor, terminalRenderer, terminalText } from './panels/terminal/terminalRegistry';
import './app/styles.css';

const connection = new CoreConnection();
connection.start();
const services = createServices(connection);
// Diagnostics for tests and benchmarks, same-origin only: nothing here that page scripts could not read anyway.
(window as unknown as { __lathe?: unknown }).__lathe = { connection, terminalText, terminalRenderer, terminalCursor };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ServicesProvider value={services}>
      <Workbench />
    </ServicesProvider>
  </StrictMode>,
);
