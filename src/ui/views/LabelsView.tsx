import { FidelityExplorer } from '../labels/FidelityExplorer';
import { IndexingNotice, NoLabelsYet } from '../teaching/FirstRun';
import { GenerateForm } from '../labels/GenerateForm';
import { LabelExplorer } from '../labels/LabelExplorer';
import { LabelLibrary } from '../labels/LabelLibrary';
import { TeacherImport } from '../labels/TeacherImport';
import { Later } from '../stagger';

export function LabelsView() {
  return (
    <>
      <IndexingNotice />
      <NoLabelsYet />
      <GenerateForm />
      {/* The sections below the form mount a frame apart (stagger.ts Later). */}
      <Later frames={1}>
        <LabelLibrary />
      </Later>
      <Later frames={2}>
        <LabelExplorer />
      </Later>
      <Later frames={3}>
        <FidelityExplorer />
      </Later>
      <Later frames={4}>
        <TeacherImport />
      </Later>
    </>
  );
}
