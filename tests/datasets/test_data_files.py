"""Pure file-level pieces: XML polygons, label decoding, split files, generator."""
import filecmp
import os

import numpy as np
import pytest
from PIL import Image

from rleseg.datasets.errors import DataError
from rleseg.datasets.imageio import decode_label_file, write_palette_png
from rleseg.datasets.meta import IPSC_CLASSES, IPSC_PALETTE
from rleseg.datasets.splits import (ARIS_PAPER_SPLITS, IPSC_PAPER_SPLITS, aris_split_items,
                                    ipsc_split_items, list_ipsc_frames, list_ipsc_sequences,
                                    natural_key, read_split_file, write_split_files)
from rleseg.datasets.synthetic import generate_aris, generate_ipsc
from rleseg.datasets.voc_xml import (VocObject, parse_polygon, parse_voc_xml,
                                     rasterize_objects, write_voc_xml)


def test_polygon_xml_roundtrip_and_rasterisation(tmp_path):
    square = np.array([[2, 1], [6, 1], [6, 4], [2, 4]], float)
    tri = np.array([[5, 3], [8, 3], [8, 6]], float)
    path = str(tmp_path / 'a.xml')
    write_voc_xml(path, 'a.jpg', (8, 10), [VocObject('ipsc', 7, square),
                                            VocObject('diff', 9, tri)])
    ann = parse_voc_xml(path)
    assert (ann.height, ann.width, ann.filename) == (8, 10, 'a.jpg')
    assert [(o.name, o.instance_id) for o in ann.objects] == [('ipsc', 7), ('diff', 9)]
    sem, inst = rasterize_objects(ann.objects, (8, 10), IPSC_CLASSES, path)
    expected = np.zeros((8, 10), np.uint8)
    expected[1:5, 2:7] = 1
    assert (sem[:3] == expected[:3]).all()          # rows above the triangle
    assert sem[3, 8] == 2 and sem[5, 8] == 2 and inst[5, 8] == 9   # later object on top
    assert inst[1, 2] == 7 and inst[0, 0] == 0
    assert set(np.unique(sem)) == {0, 1, 2}


def test_polygon_text_forms():
    pts = parse_polygon('1,2,0; 3.5,4,1; 5,6,1;', 'f.xml', 0)
    assert pts.tolist() == [[1, 2], [3.5, 4], [5, 6]]
    assert parse_polygon('1,2; 3,4; 5,6', 'f.xml', 0).shape == (3, 2)
    for bad in ('1,2,3,4; 1,1; 2,2', '1,2; x,4; 5,6', '1,2; 3,4', '', '1,2; nan,1; 2,2'):
        with pytest.raises(DataError, match='f.xml object 0'):
            parse_polygon(bad, 'f.xml', 0)


def test_grey_label_thresholds_are_not_equality(tmp_path):
    levels = np.array([[0, 30, 63, 64, 100, 127], [128, 150, 191, 192, 230, 255]], np.uint8)
    path = str(tmp_path / 'l.tif')
    Image.fromarray(np.repeat(levels[..., None], 3, axis=2)).save(path)
    out = decode_label_file(path, 'grey_levels', 3, grey_thresholds=(64, 192))
    assert out.tolist() == [[0, 0, 0, 1, 1, 1], [1, 1, 1, 2, 2, 2]]


def test_palette_png_keeps_indices(tmp_path):
    mask = np.array([[0, 1], [2, 1]], np.uint8)
    path = str(tmp_path / 'm.png')
    write_palette_png(path, mask, IPSC_PALETTE)
    assert Image.open(path).mode == 'P'
    assert (decode_label_file(path, 'index', 3) == mask).all()


def test_natural_sort_and_split_files(tmp_path):
    assert sorted(['img_10', 'img_2', 'img_1'], key=natural_key) == ['img_1', 'img_2', 'img_10']
    paths = write_split_files(str(tmp_path), {'a': ['x', 'y']})
    assert read_split_file(paths[0]) == ['x', 'y']
    write_split_files(str(tmp_path), {'a': ['x', 'y']})          # identical: fine
    with pytest.raises(DataError, match='exists with different items'):
        write_split_files(str(tmp_path), {'a': ['y']})
    write_split_files(str(tmp_path), {'a': ['y']}, overwrite=True)
    assert read_split_file(paths[0]) == ['y']
    with pytest.raises(DataError, match='prepare_data.py splits ipsc'):
        read_split_file(str(tmp_path / 'missing.txt'), 'IPSC', 'data/ipsc')


def test_paper_split_rules():
    # the papers' test and training ranges; validation carved out of training data
    assert IPSC_PAPER_SPLITS == {'test': (0, 16), 'val': (16, 28), 'train_early': (28, 54),
                                 'train_late': (54, 127)}
    assert ARIS_PAPER_SPLITS['test'] == (32, 50) and ARIS_PAPER_SPLITS['train_24'] == (0, 24)
    assert ARIS_PAPER_SPLITS['val'] == (28, 32) and ARIS_PAPER_SPLITS['train_28'] == (0, 28)


def test_ipsc_layout_and_split_by_sorted_frame_index(ipsc_root):
    seqs = list_ipsc_sequences(ipsc_root)
    assert len(seqs) == 3 and any(s.startswith('all_frames_roi_') for s in seqs)
    frames = list_ipsc_frames(ipsc_root, seqs[0])
    numbers = [int(f[len('image'):]) for f in frames]
    assert len(frames) == 24 and numbers[0] == 146
    assert numbers[-1] - numbers[0] == 26            # three raw frame numbers missing
    splits = ipsc_split_items(ipsc_root, {'test': (0, 4), 'late': (12, 24)})
    assert splits['test'][:4] == [f'{seqs[0]}/{f}' for f in frames[:4]]
    assert len(splits['late']) == 36
    for seq in seqs:
        folder = os.path.join(ipsc_root, seq)
        assert len(os.listdir(os.path.join(folder, 'annotations'))) == 24
    xml_only = [s for s in seqs if not os.path.isdir(os.path.join(ipsc_root, s, 'masks'))]
    assert len(xml_only) == 1


def test_aris_layout_and_numeric_split(aris_root):
    images = sorted(os.listdir(os.path.join(aris_root, 'images')))
    assert len(images) == 50 and 'img_1.tif' in images and 'img_01.tif' not in images
    splits = aris_split_items(aris_root)
    assert splits['train_4'] == ['img_1', 'img_2', 'img_3', 'img_4']
    assert splits['test'] == [f'img_{n}' for n in range(33, 51)]
    assert read_split_file(os.path.join(aris_root, 'splits', 'test.txt')) == splits['test']
    grey = np.array(Image.open(os.path.join(aris_root, 'labels', 'img_1.tif')))
    assert grey.shape[2] == 3
    assert len(np.unique(grey)) > 3                  # anti-aliased boundary values


def test_generation_is_deterministic(tmp_path):
    for name, gen in (('ipsc', lambda r: generate_ipsc(r, num_sequences=1, num_frames=6,
                                                       split_ranges={'t': (0, 6)})),
                      ('aris', lambda r: generate_aris(r, num_images=3,
                                                       split_ranges={'t': (0, 3)}))):
        a, b = str(tmp_path / f'{name}_a'), str(tmp_path / f'{name}_b')
        gen(a)
        gen(b)
        for folder, _, files in os.walk(a):
            for f in files:
                other = os.path.join(b, os.path.relpath(folder, a), f)
                assert filecmp.cmp(os.path.join(folder, f), other, shallow=False), f
