import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { App } from './App.js';
import { ApiError } from './api/client.js';
import { I18nProvider } from './lib/i18n.js';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // a refusal (4xx) is an answer, not a hiccup: shown at once, not retried
      retry: (count, e) => !(e instanceof ApiError && e.problem.status >= 400 && e.problem.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 15_000,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <I18nProvider>
        <BrowserRouter basename="/console">
          <App />
        </BrowserRouter>
      </I18nProvider>
    </QueryClientProvider>
  </StrictMode>,
);
