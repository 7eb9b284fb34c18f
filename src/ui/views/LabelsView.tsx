import { FidelityExplorer } from '../labels/FidelityExplorer';
import { IndexingNotice, NoLabelsYet } from '../teaching/FirstRun';
import { GenerateForm } from '../labels/GenerateForm';
import { LabelExplorer } from '../labels/LabelExplorer';
import { LabelLibrary } from '../labels/LabelLibrary';
import { TeacherImport } from '../labels/TeacherImport';

export function LabelsView() {
  return (
    <>
      <IndexingNotice />
      <NoLabelsYet />
      <GenerateForm />
      <LabelLibrary />
      <LabelExplorer />
      <FidelityExplorer />
      <TeacherImport />
    </>
  );
}
