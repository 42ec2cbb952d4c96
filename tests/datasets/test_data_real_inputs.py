"""The inputs real users have: 0 / 255 masks, EXIF-rotated JPEGs, 16-bit and float
images, JPEG labels, split files with duplicate, escaping, huge or non-UTF-8 lines."""
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmseg.registry import TRANSFORMS
from PIL import Image

import rleseg  # noqa: F401  (registers the datasets and transforms)
from rleseg.datasets import DataError, FolderSegDataset, read_split_file
from rleseg.datasets.imageio import decode_label_file, read_image, to_uint8
from rleseg.datasets.transforms import LoadImage
from rleseg.engine import PredictionWriterHook

META = dict(classes=('background', 'cell'))


def _load_image(path: Path, **kwargs) -> np.ndarray:
    return TRANSFORMS.build(dict(type='LoadImageFromFile', **kwargs)).transform(
        dict(img_path=str(path)))['img']


def _binary_folder(root: Path, values=(0, 255)) -> Path:
    (root / 'img').mkdir(parents=True)
    (root / 'ann').mkdir()
    label = np.full((8, 8), values[0], np.uint8)
    label[2:6, 2:6] = values[1]
    cv2.imwrite(str(root / 'img' / 'a.png'), np.full((8, 8, 3), 90, np.uint8))
    cv2.imwrite(str(root / 'ann' / 'a.png'), label)
    return root


def _folder_dataset(root: Path, **kwargs) -> FolderSegDataset:
    return FolderSegDataset(data_root=str(root), metainfo=META, check_items='full',
                            data_prefix=dict(img_path='img', seg_map_path='ann'),
                            pipeline=[dict(type='LoadImageFromFile'),
                                      dict(type='LoadSegAnnotations')], **kwargs)


def test_config_name_builds_rleseg_image_loader():
    assert isinstance(TRANSFORMS.build(dict(type='LoadImageFromFile')), LoadImage)


# ---------------------------------------------------------------- 0 / 255 masks
def test_binary_255_mask_is_refused_with_a_hint(tmp_path):
    root = _binary_folder(tmp_path / 'd')
    with pytest.raises(DataError, match=r'a\.png holds only 0 and 255.*binary_255=True') \
            as error:
        _folder_dataset(root)                               # 'full' check, before training
    assert '\n' not in str(error.value)


def test_binary_255_true_reads_255_as_class_1(tmp_path):
    ds = _folder_dataset(_binary_folder(tmp_path / 'd'), binary_255=True)
    gt = ds[0]['gt_seg_map']
    assert sorted(np.unique(gt).tolist()) == [0, 1] and int((gt == 1).sum()) == 16


def test_binary_255_false_keeps_255_as_ignore(tmp_path):
    ds = _folder_dataset(_binary_folder(tmp_path / 'd'), binary_255=False)
    gt = ds[0]['gt_seg_map']
    assert sorted(np.unique(gt).tolist()) == [0, 255]


def test_ordinary_labels_and_partial_ignore_pass_unchanged(tmp_path):
    path = tmp_path / 'l.png'
    label = np.zeros((8, 8), np.uint8)
    label[0, :], label[3:5, 3:5] = 255, 1                    # ignore border + class 1
    cv2.imwrite(str(path), label)
    assert np.array_equal(decode_label_file(str(path), 'index', 2), label)


def test_binary_255_needs_two_classes(tmp_path):
    with pytest.raises(ValueError, match='binary_255=True needs exactly 2 classes'):
        FolderSegDataset(data_root=str(tmp_path), binary_255=True,
                         metainfo=dict(classes=('a', 'b', 'c')))


# ---------------------------------------------------------------- EXIF orientation
def test_exif_orientation_is_ignored_so_image_and_label_stay_aligned(tmp_path):
    pixels = np.zeros((8, 16, 3), np.uint8)
    pixels[:, :4] = 255                                      # a bright left band
    exif = Image.Exif()
    exif[0x0112] = 6                                         # "rotate 90 CW to display"
    path = tmp_path / 'rotated.jpg'
    Image.fromarray(pixels).save(path, quality=100, exif=exif)
    assert cv2.imread(str(path), cv2.IMREAD_COLOR).shape[:2] == (16, 8)  # OpenCV rotates
    img = _load_image(path)
    assert img.shape == (8, 16, 3)                           # stored orientation, as labels
    assert img[:, :4].mean() > 200 and img[:, 8:].mean() < 50
    assert read_image(str(path)).shape == (8, 16, 3)


# ---------------------------------------------------------------- 16-bit / float
def test_16bit_image_is_stretched_by_its_range(tmp_path):
    grey = np.linspace(0, 4095, 64, dtype=np.uint16).reshape(8, 8)   # 12-bit microscopy
    path = tmp_path / 'grey16.png'
    cv2.imwrite(str(path), grey)
    assert cv2.imread(str(path), cv2.IMREAD_COLOR).max() == 15       # OpenCV: >> 8
    img = _load_image(path)
    assert img.shape == (8, 8, 3) and img.dtype == np.uint8
    assert img.min() == 0 and img.max() == 255
    assert np.array_equal(img[..., 0], np.rint(grey / 4095 * 255).astype(np.uint8))
    fixed = _load_image(path, intensity_range=(0, 65535))
    assert fixed.max() == np.rint(4095 / 65535 * 255)


def test_float_image_is_scaled_and_nan_refused(tmp_path):
    values = np.linspace(-1.0, 1.0, 64, dtype=np.float32).reshape(8, 8)
    path = tmp_path / 'float.tiff'
    cv2.imwrite(str(path), values)
    img = _load_image(path, intensity_range=(-1.0, 1.0))
    assert img.min() == 0 and img.max() == 255
    values[0, 0] = np.nan
    with pytest.raises(DataError, match='NaN or infinite'):
        to_uint8(values, 'x.tiff')


def test_8bit_images_are_unchanged(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 255, (8, 8, 3), dtype=np.uint8)
    path = tmp_path / 'a.png'
    cv2.imwrite(str(path), rgb)
    assert np.array_equal(_load_image(path), rgb)
    assert np.array_equal(_load_image(path, color_type='grayscale'),
                          cv2.imread(str(path), cv2.IMREAD_GRAYSCALE))


# ---------------------------------------------------------------- JPEG labels
def test_jpeg_label_is_refused(tmp_path):
    path = tmp_path / 'label.jpg'
    cv2.imwrite(str(path), np.zeros((8, 8), np.uint8))
    with pytest.raises(DataError, match='label .*label.jpg is a JPEG'):
        decode_label_file(str(path), 'index', 2)
    with pytest.raises(ValueError, match="seg_map_suffix '.jpg': JPEG labels are lossy"):
        FolderSegDataset(data_root=str(tmp_path), seg_map_suffix='.jpg', metainfo=META)


# ---------------------------------------------------------------- split files
@pytest.mark.parametrize('line, message', [
    ('../../etc/x', 'points outside data_root'),
    ('/abs/path/x', 'points outside data_root'),
    ('~/x', 'points outside data_root'),
    ('a\nb\na', "lists item 'a' twice \\(lines 1 and 3\\)"),
])
def test_split_file_refuses_escaping_and_duplicate_items(tmp_path, line, message):
    path = tmp_path / 'split.txt'
    path.write_text(line + '\n')
    with pytest.raises(DataError, match=message):
        read_split_file(str(path))


def test_split_file_huge_line_gives_a_short_message(tmp_path):
    path = tmp_path / 'split.txt'
    path.write_text('ok\n' + 'x' * 4_000_000 + '\n')
    with pytest.raises(DataError) as error:
        read_split_file(str(path))
    message = str(error.value)
    assert len(message) < 400 and 'line 2' in message and '4000000 characters' in message


def test_split_file_not_utf8_names_line_and_byte(tmp_path):
    path = tmp_path / 'split.txt'
    path.write_bytes(b'a\nb\xff\n')
    with pytest.raises(DataError, match=r'split.txt is not UTF-8 text \(line 2, byte 3'):
        read_split_file(str(path))


def test_split_file_still_reads_comments_and_subfolders(tmp_path):
    path = tmp_path / 'split.txt'
    path.write_text('# header\nseq_1/a  # first\n\nseq_1/b\n')
    assert read_split_file(str(path)) == ['seq_1/a', 'seq_1/b']


def test_prediction_writer_refuses_a_path_outside_out(tmp_path):
    hook = PredictionWriterHook(str(tmp_path / 'out'))
    assert hook._path('seq/a') == str(tmp_path / 'out' / 'seq' / 'a.png')
    with pytest.raises(DataError, match='outside the folder'):
        hook._path('../../escaped')
