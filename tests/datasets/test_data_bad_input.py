"""Bad input: a one-line DataError naming the file, or a counted skip -- never a
silently wrong mask."""
import os

import numpy as np
import pytest
from PIL import Image

import rleseg  # noqa: F401
from rleseg.datasets import ARISDataset, DataError, IPSCDataset, VideoWindowDataset
from rleseg.datasets.imageio import write_palette_png
from rleseg.datasets.meta import IPSC_PALETTE

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadSegAnnotations')]


def _frames(root: str) -> tuple[str, list[str]]:
    seq = next(d for d in sorted(os.listdir(root))
               if d != 'splits' and os.path.isdir(os.path.join(root, d)))
    stems = sorted(f[:-4] for f in os.listdir(os.path.join(root, seq)) if f.endswith('.jpg'))
    return os.path.join(root, seq), stems


def _one_line(exc: pytest.ExceptionInfo, *parts: str) -> None:
    msg = str(exc.value)
    assert '\n' not in msg
    for part in parts:
        assert part in msg, msg


def test_missing_root_and_split_file(tmp_path, small_ipsc):
    with pytest.raises(DataError) as exc:
        IPSCDataset(data_root=str(tmp_path / 'nowhere'))
    _one_line(exc, 'nowhere', 'roi_x1_y1_x2_y2', 'imageNNN.jpg', 'splits')
    with pytest.raises(DataError) as exc:
        ARISDataset(data_root=str(tmp_path / 'nowhere'))
    _one_line(exc, 'images/img_N.tif', 'labels/img_N.tif')
    with pytest.raises(DataError) as exc:
        IPSCDataset(data_root=small_ipsc, ann_file='splits/nope.txt')
    _one_line(exc, 'nope.txt', 'tools/prepare_data.py splits ipsc')


def test_corrupt_image(small_ipsc):
    seq, stems = _frames(small_ipsc)
    bad = os.path.join(seq, stems[1] + '.jpg')
    with open(bad, 'wb') as f:
        f.write(b'not a jpeg at all')
    with pytest.raises(DataError) as exc:
        IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt')
    _one_line(exc, bad)


def _damage(path: str, how: str) -> None:
    """Truncate a file, or overwrite the middle third of its pixel data (a PNG's first
    IDAT chunk, else the file's middle third) with seeded random bytes."""
    data = bytearray(open(path, 'rb').read())
    if how == 'truncate':
        data = data[:len(data) // 2]
    else:
        lo, hi = len(data) // 3, 2 * len(data) // 3
        if b'IDAT' in data:
            at = data.index(b'IDAT')
            length = int.from_bytes(data[at - 4:at], 'big')
            lo, hi = at + 4 + length // 3, at + 4 + 2 * length // 3
        data[lo:hi] = np.random.default_rng(0).integers(0, 256, hi - lo, np.uint8).tobytes()
    with open(path, 'wb') as f:
        f.write(bytes(data))


@pytest.mark.parametrize('how', ['truncate', 'overwrite'])
@pytest.mark.parametrize('which', ['image', 'mask'])
def test_damaged_pixel_data_is_caught_by_the_default_check(small_ipsc, how, which):
    """A JPEG / PNG with an intact header but damaged pixel data used to load as
    garbage (OpenCV decodes it without an error) unless check_items='full'."""
    seq, stems = _frames(small_ipsc)
    bad = (os.path.join(seq, stems[2] + '.jpg') if which == 'image' else
           os.path.join(seq, 'masks', stems[2] + '.png'))
    _damage(bad, how)
    for level in ('header', 'full'):
        with pytest.raises(DataError) as exc:
            IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt', check_items=level)
        _one_line(exc, bad, 'damaged', 'splits/test.txt')
    if which == 'mask':                        # the label loader checks at decode time
        ds = IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt',
                         check_items='none', pipeline=LOAD)
        with pytest.raises(DataError) as exc:
            ds[2]
        _one_line(exc, bad, 'damaged')


def test_truncated_tiff_is_caught(small_aris):
    bad = os.path.join(small_aris, 'images', 'img_2.tif')
    _damage(bad, 'truncate')
    with pytest.raises(DataError) as exc:
        ARISDataset(data_root=small_aris, ann_file='splits/train_4.txt')
    _one_line(exc, bad, 'damaged')


def test_intact_files_pass_the_integrity_check(ipsc_root, aris_root):
    assert len(IPSCDataset(data_root=ipsc_root, ann_file='splits/test.txt')) == 12
    assert len(ARISDataset(data_root=aris_root, ann_file='splits/test.txt')) == 18


def test_mask_size_differs_from_image(small_ipsc):
    seq, stems = _frames(small_ipsc)
    bad = os.path.join(seq, 'masks', stems[0] + '.png')
    write_palette_png(bad, np.zeros((10, 12), np.uint8), IPSC_PALETTE)
    with pytest.raises(DataError) as exc:
        IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt')
    _one_line(exc, bad, '10x12')
    ds = IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt', check_items='none',
                     pipeline=LOAD)
    with pytest.raises(DataError) as exc:     # the loader checks too
        ds[0]
    _one_line(exc, bad, 'but its image is')


def test_label_values_outside_the_class_set(small_ipsc):
    seq, stems = _frames(small_ipsc)
    bad = os.path.join(seq, 'masks', stems[3] + '.png')
    mask = np.array(Image.open(bad))
    mask[0, :3] = 7
    write_palette_png(bad, mask, IPSC_PALETTE)
    assert len(IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt')) == 4
    with pytest.raises(DataError) as exc:
        IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt', check_items='full')
    _one_line(exc, bad, '[7]', 'class set')
    ds = IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt', pipeline=LOAD)
    with pytest.raises(DataError) as exc:
        ds[3]
    _one_line(exc, bad)


def test_xml_with_a_malformed_polygon(small_ipsc):
    seq, stems = _frames(small_ipsc)
    bad = os.path.join(seq, 'annotations', stems[0] + '.xml')
    text = open(bad).read()
    start = text.index('<mask>') + len('<mask>')
    with open(bad, 'w') as f:
        f.write(text[:start] + '12,oops,1; ' + text[start:])
    kw = dict(data_root=small_ipsc, ann_file='splits/test.txt', label_source='xml')
    with pytest.raises(DataError) as exc:
        IPSCDataset(check_items='full', **kw)
    _one_line(exc, bad, 'object 0', "'12,oops,1'")
    ds = IPSCDataset(pipeline=LOAD, **kw)
    with pytest.raises(DataError) as exc:
        ds[0]
    _one_line(exc, bad)
    with open(bad, 'w') as f:
        f.write('<annotation><object><name>ipsc</name>')
    with pytest.raises(DataError) as exc:
        IPSCDataset(pipeline=LOAD, **kw)[0]
    _one_line(exc, bad, 'not valid XML')


def test_sequence_with_missing_frames(small_ipsc):
    seq, stems = _frames(small_ipsc)
    with pytest.raises(DataError) as exc:
        IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt', frames_per_sequence=127)
    _one_line(exc, seq, 'has 8 frames', 'expected 127')
    os.remove(os.path.join(seq, 'masks', stems[1] + '.png'))
    os.remove(os.path.join(seq, 'annotations', stems[1] + '.xml'))
    with pytest.raises(DataError) as exc:
        IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt')
    _one_line(exc, stems[1] + '.jpg', 'has no label')
    os.remove(os.path.join(seq, stems[2] + '.jpg'))
    ds = IPSCDataset(data_root=small_ipsc, ann_file='splits/train.txt')   # unaffected
    assert [ds.get_data_info(i)['frame_index'] for i in range(len(ds))] == [3, 4, 5, 6]


def test_skip_mode_drops_and_counts_bad_items(small_ipsc):
    seq, stems = _frames(small_ipsc)
    with open(os.path.join(seq, stems[0] + '.jpg'), 'wb') as f:
        f.write(b'garbage')
    os.remove(os.path.join(seq, 'masks', stems[2] + '.png'))
    os.remove(os.path.join(seq, 'annotations', stems[2] + '.xml'))
    ds = IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt', on_bad_item='skip',
                     pipeline=LOAD)
    assert len(ds) == 2 and len(ds.skipped) == 2
    assert [item for item, _ in ds.skipped] == [f'{os.path.basename(seq)}/{stems[i]}'
                                                for i in (0, 2)]
    assert all(ds[i]['gt_seg_map'].shape == ds[i]['img'].shape[:2] for i in range(2))
    # a window never bridges the skipped frames (left: frames 1 and 3)
    with pytest.raises(DataError, match='no sequence has 2 consecutive frames'):
        VideoWindowDataset(dataset=dict(type='IPSCDataset', data_root=small_ipsc,
                                        ann_file='splits/test.txt', on_bad_item='skip'),
                           window=2, stride=1)

def test_aris_colour_label_and_missing_label(small_aris):
    label = os.path.join(small_aris, 'labels', 'img_2.tif')
    arr = np.array(Image.open(label))
    arr[..., 0] = 255 - arr[..., 0]
    Image.fromarray(arr).save(label)
    ds = ARISDataset(data_root=small_aris, ann_file='splits/train_4.txt', pipeline=LOAD)
    with pytest.raises(DataError) as exc:
        ds[1]
    _one_line(exc, label, 'colour')
    os.remove(os.path.join(small_aris, 'labels', 'img_3.tif'))
    with pytest.raises(DataError) as exc:
        ARISDataset(data_root=small_aris, ann_file='splits/train_4.txt')
    _one_line(exc, 'img_3.tif', 'does not exist')


def test_window_frames_of_different_sizes(small_ipsc):
    seq, stems = _frames(small_ipsc)
    img = np.array(Image.open(os.path.join(seq, stems[1] + '.jpg')))
    Image.fromarray(img[:-8]).save(os.path.join(seq, stems[1] + '.jpg'))
    video = VideoWindowDataset(
        dataset=dict(type='IPSCDataset', data_root=small_ipsc, ann_file='splits/test.txt',
                     check_items='none'),
        window=4, stride=4, pipeline=[dict(type='LoadWindowFrames')])
    with pytest.raises(DataError) as exc:
        video[0]
    _one_line(exc, stems[1] + '.jpg', 'of its window is')


def test_grey_label_outside_8_bit_levels(small_aris):
    """A 16-bit grey label holding 1000 used to be read as the top class."""
    label = os.path.join(small_aris, 'labels', 'img_2.tif')
    arr = np.array(Image.open(label))[..., 0].astype(np.uint16)
    arr[0, :4] = 1000
    Image.fromarray(arr).save(label)
    ds = ARISDataset(data_root=small_aris, ann_file='splits/train_4.txt', pipeline=LOAD)
    with pytest.raises(DataError) as exc:
        ds[1]
    _one_line(exc, label, 'grey level 1000', '0..255')
    with pytest.raises(DataError) as exc:
        ARISDataset(data_root=small_aris, ann_file='splits/train_4.txt', check_items='full')
    _one_line(exc, label, 'grey level 1000')
    arr[0, :4] = 200                              # 16-bit but within the levels: fine
    Image.fromarray(arr).save(label)
    assert ds[1]['gt_seg_map'][0, :4].tolist() == [2, 2, 2, 2]


def test_split_file_with_a_missing_item_names_the_split_file(small_ipsc):
    split = os.path.join(small_ipsc, 'splits', 'test.txt')
    seq = os.path.basename(_frames(small_ipsc)[0])
    with open(split, 'a') as f:
        f.write(f'{seq}/image999\n')
    with pytest.raises(DataError) as exc:
        IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt')
    _one_line(exc, 'image999.jpg', 'does not exist', split)


def test_directory_in_place_of_a_file_is_not_called_missing(small_ipsc, small_aris):
    seq, stems = _frames(small_ipsc)
    cases = [
        (os.path.join(seq, 'masks', stems[1] + '.png'),
         lambda: IPSCDataset(data_root=small_ipsc, ann_file='splits/test.txt')),
        (os.path.join(small_aris, 'labels', 'img_3.tif'),
         lambda: ARISDataset(data_root=small_aris, ann_file='splits/train_4.txt')),
        (os.path.join(small_aris, 'splits', 'test.txt'),
         lambda: ARISDataset(data_root=small_aris, ann_file='splits/test.txt')),
    ]
    for path, build in cases:
        os.remove(path)
        os.mkdir(path)
        with pytest.raises(DataError) as exc:
            build()
        _one_line(exc, path, 'is a directory')


def test_missing_release_says_where_it_is_published(tmp_path):
    with pytest.raises(DataError) as exc:
        IPSCDataset(data_root=str(tmp_path / 'ipsc'))
    _one_line(exc, 'Hugging Face', 'abhineet123/ipsc_prediction',
              'ipsc_data/roi_images_and_labels.zip', 'configs/p2s_rle_ipsc_tiny.py',
              'python tools/prepare_data.py')
    with pytest.raises(DataError) as exc:
        ARISDataset(data_root=str(tmp_path / 'aris'))
    _one_line(exc, 'IEEE DataPort', '10.21227/ebax-1h44', 'configs/p2s_rle_aris_tiny.py')
