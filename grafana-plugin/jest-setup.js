// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom lacks the observers Scenes' lazy loader and Grafana UI use at import time.
class NoopObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
global.IntersectionObserver = global.IntersectionObserver ?? NoopObserver;
global.ResizeObserver = global.ResizeObserver ?? NoopObserver;
