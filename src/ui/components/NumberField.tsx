/** A labelled number input as the forms use it; `aria` (default: the label) is its accessible name. */
export function NumberField({
  label,
  aria,
  value,
  onChange,
  min,
  max,
  step,
}: {
  label: string;
  aria?: string;
  value: number;
  onChange: (v: number) => void;
  min?: number;
  max?: number;
  step?: number;
}) {
  return (
    <label className="field">
      {label}
      <input
        aria-label={aria ?? label}
        type="number"
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(e) => onChange(+e.target.value)}
      />
    </label>
  );
}
