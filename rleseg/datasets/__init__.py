"""Datasets of rleseg (registered in mmseg's DATASETS / TRANSFORMS).

* :class:`IPSCDataset`, :class:`ARISDataset`: the public releases' layouts, items
  from split files under ``data_root/splits`` shared by every model config.
* :class:`FolderSegDataset`: mmseg's plain folder layout (``img_dir`` / ``ann_dir``,
  optional split file and instance maps), classes and palette from the config; the
  real nuclei crops (:func:`prepare_nuclei`) and satellite roads crops
  (:func:`prepare_roads`) are two.
* :class:`VideoFolderDataset`: the same layout with one folder per sequence, frames as
  items; the real HeLa time-lapse (:func:`prepare_hela_video`) is one.
* :class:`VideoWindowDataset`: N-frame windows over a sequence dataset.
* :class:`PatchDataset`: every patch of every image, each recording its box.
* :class:`FoldDataset`, :func:`fold_dataset_cfgs`: K-fold cross-validation over a
  config's training items; :func:`check_split_overlap` refuses configs whose train /
  val / test splits share items.
* :class:`ForegroundBalancedSampler` (DATA_SAMPLERS), :func:`label_class_counts`,
  :func:`class_frequencies`, :func:`class_weights`, :func:`class_balance`: rare foreground, class-aware
  sampling and class weights from the training labels.
* :func:`generate_ipsc`, :func:`generate_aris`: the embedded demo data.
* :func:`stitch_patches`, :func:`stitch_windows`: merge patch / window
  predictions back into full images / frames (pure numpy).
"""
from . import transforms  # noqa: F401
from .aris import ARISDataset
from .balance import (ForegroundBalancedSampler, class_balance, class_frequencies,
                      class_weights, label_class_counts)
from .base import SplitSegDataset
from .errors import DataError
from .folder import FolderSegDataset
from .folds import FoldDataset, fold_dataset_cfgs
from .hela import prepare_hela_video
from .ipsc import IPSCDataset
from .nuclei import NUCLEI_CLASSES, NUCLEI_PALETTE, prepare_nuclei
from .patching import extract_patch, patch_boxes, stitch_patches, stitch_windows
from .roads import ROADS_CLASSES, ROADS_PALETTE, prepare_roads
from .split_overlap import check_split_overlap
from .splits import (ARIS_PAPER_SPLITS, IPSC_PAPER_SPLITS, read_split_file,
                     write_split_files)
from .synthetic import DEMO_IPSC_SPLITS, generate_aris, generate_ipsc, is_generated
from .video_folder import VideoFolderDataset
from .wrappers import PatchDataset, VideoWindowDataset

__all__ = [
    'ARISDataset', 'IPSCDataset', 'SplitSegDataset', 'VideoWindowDataset', 'PatchDataset',
    'VideoFolderDataset', 'prepare_hela_video', 'prepare_roads', 'ROADS_CLASSES',
    'ROADS_PALETTE',
    'DataError', 'generate_ipsc', 'generate_aris', 'stitch_patches', 'stitch_windows',
    'patch_boxes', 'extract_patch', 'read_split_file', 'write_split_files',
    'IPSC_PAPER_SPLITS', 'ARIS_PAPER_SPLITS', 'DEMO_IPSC_SPLITS', 'is_generated',
    'FoldDataset', 'fold_dataset_cfgs', 'check_split_overlap',
    'ForegroundBalancedSampler', 'label_class_counts', 'class_frequencies', 'class_weights',
    'class_balance'
]
