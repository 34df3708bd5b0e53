import { render } from 'preact';
import { App } from './app.js';
import { startLive } from './live.js';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
  startLive();
}
