// The soft-label defaults are pure data and live in core; the workers' historical import path stays.
export { DEFAULT_LABEL_SETTINGS, LABEL_SCALE_MIN, defaultLabelScale } from '../core/labelSettings';
