import { createLoss, type GanLoss } from '@ganbench/losses';
import { type BoundRegularizer, createRegularizer, NO_REGULARIZER, SMOOTHABLE_LOSSES } from '@ganbench/regularizers';
import type { NamedParams } from '@ganbench/study-folder';

/** The loss and regularizer a toy trains with, checked together: label smoothing only replaces a sigmoid cross-entropy loss. */
export function createObjective(lossSetting: NamedParams, regularizerSetting: NamedParams): { loss: GanLoss; regularizer: BoundRegularizer | null } {
  const loss = createLoss(lossSetting.name, lossSetting.params);
  const regularizer = regularizerSetting.name === NO_REGULARIZER ? null : createRegularizer(regularizerSetting.name, regularizerSetting.params);
  if (regularizer?.kind === 'label-smoothing' && !(SMOOTHABLE_LOSSES as readonly string[]).includes(lossSetting.name))
    throw new Error(`regularizer: label-smoothing needs a sigmoid cross-entropy loss (${SMOOTHABLE_LOSSES.join(', ')}), not '${lossSetting.name}'`);
  return { loss, regularizer };
}
