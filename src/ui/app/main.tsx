import { render } from 'preact';
import { App } from './app.js';
import { startLive, startServiceEvents } from './live.js';
import { servicesSchedulerRunning } from './cluster.js';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
  startLive();
  startServiceEvents(servicesSchedulerRunning);
}
