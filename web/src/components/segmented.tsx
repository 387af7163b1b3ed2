import { useId } from 'react';

interface SegmentedProps<T extends string> {
  legend: string;
  options: ReadonlyArray<{ value: T; label: string }>;
  value: T;
  onChange: (value: T) => void;
  name: string;
}

/** Native radio buttons drawn as a segmented control: arrow keys, focus and screen readers work as usual. */
export function Segmented<T extends string>({ legend, options, value, onChange, name }: SegmentedProps<T>) {
  const id = useId();
  return (
    <fieldset className="segmented" data-testid={`${name}-picker`}>
      <legend className="visually-hidden">{legend}</legend>
      {options.map((option) => (
        <label key={option.value} className={option.value === value ? 'is-selected' : ''}>
          <input
            type="radio"
            name={`${name}-${id}`}
            value={option.value}
            checked={option.value === value}
            onChange={() => onChange(option.value)}
          />
          <span>{option.label}</span>
        </label>
      ))}
    </fieldset>
  );
}
