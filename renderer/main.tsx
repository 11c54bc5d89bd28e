import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ServicesProvider, createServices } from './app/services';
import { Workbench } from './app/Workbench';
import { CoreConnection } from './platform/connection';
import './app/styles.css';

const connection = new CoreConnection();
connection.start();
const services = createServices(connection);
// Exposed for diagnostics and benchmarks (same-origin only; it carries no secret).
(window as unknown as { __lathe?: unknown }).__lathe = { connection };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ServicesProvider value={services}>
      <Workbench />
    </ServicesProvider>
  </StrictMode>,
);
