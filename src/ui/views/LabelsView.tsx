import { FidelityExplorer } from '../labels/FidelityExplorer';
import { IndexingNotice, NoLabelsYet } from '../teaching/FirstRun';
import { GenerateForm } from '../labels/GenerateForm';
import { LabelExplorer } from '../labels/LabelExplorer';
import { LabelLibrary } from '../labels/LabelLibrary';
import { TeacherImport } from '../labels/TeacherImport';
import { Later } from '../stagger';

const BELOW_THE_FORM = [LabelLibrary, LabelExplorer, FidelityExplorer, TeacherImport];

export function LabelsView() {
  return (
    <>
      <IndexingNotice />
      <NoLabelsYet />
      <GenerateForm />
      {/* The sections below the form mount a frame apart (stagger.ts Later). */}
      {BELOW_THE_FORM.map((Section, i) => (
        <Later key={i} frames={i + 1}>
          <Section />
        </Later>
      ))}
    </>
  );
}
