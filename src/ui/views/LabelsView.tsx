import { GenerateForm } from '../labels/GenerateForm';
import { LabelLibrary } from '../labels/LabelLibrary';
import { TeacherImport } from '../labels/TeacherImport';

export function LabelsView() {
  return (
    <>
      <GenerateForm />
      <LabelLibrary />
      <TeacherImport />
    </>
  );
}
