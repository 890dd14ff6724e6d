<?php
/*
 * The peer of bench/documents.py: Parcours' attestation made with TCPDF (the engine
 * behind Moodle's certificates), from the same facts, fonts and images.
 *
 *   php tcpdf_attestation.php fonts FACTS.json
 *       Converts the TrueType fonts listed in the facts to TCPDF's format (TCPDF_FONTS::
 *       addTTFfont) into the facts' font folder; done once, before any timing.
 *   php tcpdf_attestation.php run FACTS.json OUT_DIR FIRST COUNT WARM
 *       Makes WARM documents (at least one per name: every face used once), prints "ready",
 *       waits for a line on stdin (the bench starts all processes' clocks together), then
 *       makes COUNT documents, learners FIRST, FIRST+1, … (cycling through the facts' names),
 *       each written to OUT_DIR/tcpdf-NNNNNN.pdf; prints one JSON line with the process's own
 *       figures.
 *
 * One PHP process makes many documents, as a warm worker would: TCPDF and the font
 * definitions are loaded once (with OPcache enabled by the bench); each document is a new
 * TCPDF object, as each certificate is in Moodle. Fonts are subset, TCPDF's default.
 */

declare(strict_types=1);

// TCPDF finds fonts in K_PATH_FONTS: the folder of the fonts converted from Parcours' TTFs.
// Its temporary files go to K_PATH_CACHE, a folder of their own: at the end of each document
// TCPDF deletes every image it used from under that folder (by default the system's /tmp).
$argv = $_SERVER['argv'];
if (count($argv) < 3) {
    fwrite(STDERR, "usage: tcpdf_attestation.php fonts|run FACTS.json [OUT_DIR FIRST COUNT WARM]\n");
    exit(2);
}
$facts = json_decode((string) file_get_contents($argv[2]), true);
if (!is_array($facts)) {
    fwrite(STDERR, "tcpdf_attestation: cannot read {$argv[2]}\n");
    exit(2);
}
define('K_PATH_FONTS', rtrim($facts['font_dir'], '/') . '/');
if (isset($facts['cache_dir'])) {
    define('K_PATH_CACHE', rtrim($facts['cache_dir'], '/') . '/');
}
require_once getenv('TCPDF_PATH') ?: '/usr/share/php/tcpdf/tcpdf.php';

const MUTED = [85, 85, 85];
const RULE = [153, 153, 153];
const BORDER = [119, 119, 119];
const HEADER_FILL = [238, 240, 244];
const INK = [17, 17, 17];

function fail(string $message): never
{
    fwrite(STDERR, "tcpdf_attestation: $message\n");
    exit(2);
}

/* fonts: {"regular": TTF, "bold": TTF, "arabic_bold": TTF, "cjk_bold": TTF} → TCPDF names. */
function convert_fonts(array $facts): void
{
    $folder = K_PATH_FONTS;
    if (!is_dir($folder) && !mkdir($folder, 0755, true)) {
        fail("cannot create $folder");
    }
    $names = [];
    foreach ($facts['fonts'] as $role => $file) {
        $name = TCPDF_FONTS::addTTFfont($file, 'TrueTypeUnicode', '', 32, $folder);
        if ($name === false) {
            fail("TCPDF cannot convert $file");
        }
        $names[$role] = $name;
    }
    echo json_encode($names), "\n";
}

class Attestation extends TCPDF
{
    public string $code = '';
    public string $regular = '';

    public function Footer(): void
    {
        $this->SetFont($this->regular, '', 8);
        $this->SetTextColor(...MUTED);
        $this->SetXY($this->lMargin, $this->getPageHeight() - 14);
        $width = $this->getPageWidth() - $this->lMargin - $this->rMargin;
        $this->Cell($width / 2, 0, 'Code de vérification ' . $this->code, 0, 0, 'L');
        $this->Cell($width / 2, 0, 'Page ' . $this->getAliasNumPage() . ' / '
            . $this->getAliasNbPages(), 0, 0, 'R');
    }

    /* A new page unless `height` more millimetres fit on this one (blocks that must not
       split, as the stylesheet's `page-break-inside: avoid`). True when it broke. */
    public function keep(float $height): bool
    {
        return $this->checkPageBreak($height, null, true);
    }
}

/* The font of the learner's name: TCPDF has no per-character fallback, so the script picks
   the face that covers it, as WeasyPrint's fallback through the stylesheet's list does. */
function name_font(array $fonts, string $name): string
{
    if (preg_match('/\p{Arabic}/u', $name)) {
        return $fonts['arabic_bold'];
    }
    if (preg_match('/\p{Han}/u', $name)) {
        return $fonts['cjk_bold'];
    }
    return $fonts['bold'];
}

const PARAGRAPH_GAP = 3.7;  // 1em of 10.5pt: the margins between paragraphs

function heading(Attestation $pdf, array $fonts, string $text): void
{
    $pdf->Ln(5);
    $pdf->keep(20);
    $pdf->SetFont($fonts['bold'], '', 11.5);
    $pdf->Cell(0, 0, $text, ['B' => ['width' => 0.14, 'color' => RULE]], 1, 'L');
    $pdf->Ln(1.5);
}

function paragraph(Attestation $pdf, array $fonts, string $text, float $size = 10.5,
                   array $color = INK, string $style = 'regular', string $align = 'L'): void
{
    $pdf->SetFont($fonts[$style], '', $size);
    $pdf->SetTextColor(...$color);
    $pdf->MultiCell(0, 0, $text, 0, $align, false, 1);
    $pdf->SetTextColor(...INK);
}

/* A bordered table whose rows never split and whose header repeats on each page. */
function table(Attestation $pdf, array $fonts, array $widths, array $head, array $rows,
               string $align = 'L', string $body_style = 'regular'): void
{
    $pdf->setCellPaddings(2, 1.4, 2, 1.4);
    $pdf->SetDrawColor(...BORDER);
    $pdf->SetLineWidth(0.14);
    $pdf->SetFillColor(...HEADER_FILL);
    $left = $pdf->getMargins()['left'];
    $height = function (array $cells, string $style) use ($pdf, $fonts, $widths): float {
        $pdf->SetFont($fonts[$style], '', 10.5);
        $height = 0;
        foreach ($cells as $i => $text) {
            $height = max($height, $pdf->getStringHeight($widths[$i], $text));
        }
        return $height;
    };
    $line = function (array $cells, bool $header, float $h) use ($pdf, $fonts, $widths,
                                                                 $align, $body_style, $left) {
        $pdf->SetFont($fonts[$header ? 'bold' : $body_style], '', 10.5);
        $x = $left;
        $y = $pdf->GetY();
        foreach ($cells as $i => $text) {
            $pdf->MultiCell($widths[$i], $h, $text, 1, $header ? 'L' : $align, $header, 0, $x,
                            $y, true, 0, false, true, $h, 'T');
            $x += $widths[$i];
        }
        $pdf->SetXY($left, $y + $h);
    };
    $head_height = $height($head, 'bold');
    $first = $rows ? $height($rows[0], $body_style) : 0;
    $pdf->keep($head_height + $first);
    $line($head, true, $head_height);
    foreach ($rows as $row) {
        $h = $height($row, $body_style);
        if ($pdf->keep($h)) {
            $line($head, true, $head_height);
        }
        $line($row, false, $h);
    }
    $pdf->setCellPaddings(0, 0, 0, 0);
}

function attestation(array $facts, array $fonts, array $learner, string $file): void
{
    $o = $facts['organisation'];
    $pdf = new Attestation('P', 'mm', 'A4', true, 'UTF-8', false);
    $pdf->code = $learner['code'];
    $pdf->regular = $fonts['regular'];
    $pdf->SetCreator('Parcours bench (TCPDF peer)');
    $pdf->SetTitle('Attestation de fin de formation — ' . $learner['code']);
    $pdf->SetMargins(16, 18, 16);
    $pdf->SetAutoPageBreak(true, 20);
    $pdf->setPrintHeader(false);
    $pdf->setPrintFooter(true);
    $pdf->setCellHeightRatio(1.4);
    $pdf->setCellPaddings(0, 0, 0, 0);
    $pdf->SetFont($fonts['regular'], '', 10.5);
    $pdf->AddPage();
    $width = $pdf->getPageWidth() - 32;

    // Header: the logo on the left (at most 55 × 20 mm), the organisation on the right.
    $top = $pdf->GetY();
    [$lw, $lh] = $facts['images']['logo_size'];
    $scale = min(55 / $lw, 20 / $lh);
    $pdf->Image($facts['images']['logo'], 16, $top, $lw * $scale, $lh * $scale, 'PNG');
    $right = function (string $text, string $style, array $color = INK) use ($pdf, $fonts,
                                                                           $width) {
        $pdf->SetFont($fonts[$style], '', 9);
        $pdf->SetTextColor(...$color);
        $pdf->MultiCell($width - 63, 0, $text, 0, 'R', false, 1, 16 + 63);
        $pdf->SetTextColor(...INK);
    };
    $pdf->SetY($top);
    $right($o['legal_name'], 'bold');
    $right($o['address'], 'regular');
    if ($o['siret'] !== '') {
        $right('SIRET ' . $o['siret'], 'regular');
    }
    if ($o['nda'] !== '') {
        $right("Déclaration d'activité enregistrée sous le n° " . $o['nda'], 'regular');
        $right("Cet enregistrement ne vaut pas agrément de l'État.", 'regular', MUTED);
    }
    $pdf->SetY(max($pdf->GetY(), $top + $lh * $scale));

    // Title.
    $pdf->Ln(6);
    paragraph($pdf, $fonts, 'Attestation de fin de formation', 17, INK, 'bold', 'C');
    $pdf->Ln(2);
    paragraph($pdf, $fonts, 'Article L6353-1 du Code du travail', 10.5, [68, 68, 68],
              'regular', 'C');
    $pdf->Ln(6);
    paragraph($pdf, $fonts, $o['legal_name'] . ($o['nda'] !== ''
        ? " (déclaration d'activité n° " . $o['nda'] . ')' : '') . ' atteste que');
    $pdf->Ln(PARAGRAPH_GAP);

    // The learner.
    $pdf->SetFont(name_font($fonts, $learner['name']), '', 13);
    $pdf->MultiCell(0, 0, $learner['name'], 0, 'L', false, 1);
    $pdf->Ln(PARAGRAPH_GAP);
    paragraph($pdf, $fonts, "a suivi l'action de formation suivante :");
    $pdf->Ln(PARAGRAPH_GAP);

    // The action's facts: terms in a 48 mm column.
    foreach ($facts['action'] as [$label, $value]) {
        $y = $pdf->GetY();
        $pdf->SetFont($fonts['bold'], '', 10.5);
        $pdf->MultiCell(48, 0, $label, 0, 'L', false, 0);
        $pdf->SetFont($fonts['regular'], '', 10.5);
        $pdf->MultiCell($width - 52, 0, $value, 0, 'L', false, 1, 16 + 52, $y);
        $pdf->Ln(1.2);
    }

    // Hours.
    $pdf->Ln(1.8);
    table($pdf, $fonts, [44, 44], ['Durée prévue', 'Heures réalisées'],
          [[$facts['hours_planned'], $facts['hours_attended']]], 'C', 'bold');
    $pdf->Ln(1 + PARAGRAPH_GAP);
    paragraph($pdf, $fonts, "Heures réalisées : présences relevées sur les feuilles "
        . "d'émargement contre-signées, retards déduits.", 10.5, MUTED);

    // Objectives.
    heading($pdf, $fonts, 'Objectifs de la formation');
    $pdf->Ln(PARAGRAPH_GAP - 1.5);
    $pdf->SetFont($fonts['regular'], '', 10.5);
    foreach ($facts['objectives'] as $objective) {
        $pdf->SetX(16 + 7);
        $pdf->Cell(3.6, 0, '•', 0, 0, 'L');
        $pdf->MultiCell($width - 10.6, 0, $objective, 0, 'L', false, 1);
    }

    // Assessment: the competence table.
    if ($facts['assessment']) {
        heading($pdf, $fonts, "Résultats de l'évaluation des acquis");
        if ($facts['assessment_methods'] !== '') {
            $pdf->Ln(PARAGRAPH_GAP - 1.5);
            paragraph($pdf, $fonts, $facts['assessment_methods'], 10.5, MUTED);
            $pdf->Ln(PARAGRAPH_GAP);
        }
        table($pdf, $fonts, [$width - 111, 59, 19, 33],
              ['Compétence', 'Référentiel', 'Niveau visé', 'Niveau atteint'],
              $facts['assessment']);
    }

    // Place and date on the left; stamp, signature and signatory on the right (70 mm).
    [$sw, $sh] = $facts['images']['stamp_size'];
    [$gw, $gh] = $facts['images']['signature_size'];
    $stamp = min(60 / $sw, 26 / $sh);
    $signature = min(60 / $gw, 26 / $gh);
    $images_height = max($sh * $stamp, $gh * $signature);
    $line = 10.5 * 1.4 * 25.4 / 72;
    $pdf->Ln(8);
    $pdf->keep($images_height + 2 * $line);
    $y = $pdf->GetY();
    $sign_x = 16 + $width - 70;
    $x = $sign_x + (70 - $sw * $stamp - $gw * $signature) / 2;
    $pdf->Image($facts['images']['stamp'], $x, $y + $images_height - $sh * $stamp,
                $sw * $stamp, $sh * $stamp, 'PNG');
    $pdf->Image($facts['images']['signature'], $x + $sw * $stamp,
                $y + $images_height - $gh * $signature, $gw * $signature, $gh * $signature,
                'PNG');
    $pdf->SetXY($sign_x, $y + $images_height);
    $pdf->SetFont($fonts['bold'], '', 10.5);
    $pdf->Cell(70, 0, $o['signatory_name'], 0, 2, 'C');
    $pdf->SetFont($fonts['regular'], '', 10.5);
    $pdf->Cell(70, 0, $o['signatory_title'], 0, 1, 'C');
    $bottom = $pdf->GetY();
    $pdf->SetXY(16, $bottom - $line);
    $pdf->Cell($width - 72, 0, 'Fait à ' . $o['place'] . ', le ' . $facts['issued_on'], 0, 1,
               'L');
    $pdf->SetY($bottom);

    // Verification: the QR code of the link, the link and the code beside it.
    $pdf->Ln(8);
    $pdf->keep(24);
    $y = $pdf->GetY();
    $url = $facts['verify_url_prefix'] . $learner['code'] . $facts['verify_url_suffix'];
    $pdf->write2DBarcode($url, 'QRCODE,M', 16, $y, 24, 24,
                         ['border' => false, 'padding' => 0, 'fgcolor' => [0, 0, 0],
                          'bgcolor' => false], 'N');
    $small = 8.5 * 1.4 * 25.4 / 72;
    $pdf->SetTextColor(51, 51, 51);
    $pdf->SetXY(16 + 28, $y + 12 - $small);
    foreach ([['Document vérifiable en ligne : ', $url],
              ['Code de vérification : ', $learner['code']]] as [$label, $value]) {
        $pdf->SetX(16 + 28);
        $pdf->SetFont($fonts['regular'], '', 8.5);
        $pdf->Cell($pdf->GetStringWidth($label), 0, $label, 0, 0, 'L');
        $pdf->SetFont($fonts['bold'], '', 8.5);
        $pdf->Cell(0, 0, $value, 0, 1, 'L');
    }
    $pdf->SetTextColor(...INK);

    $pdf->Output($file, 'F');
}

function load_fonts(array $facts): array
{
    // AddFont reads TCPDF's font definition (metrics, widths) for this object; the bench
    // enables OPcache so that, as in php-fpm, those files are compiled once per process.
    $fonts = [];
    foreach ($facts['font_names'] as $role => $name) {
        $fonts[$role] = $name;
        if (!is_file(K_PATH_FONTS . $name . '.php')) {
            fail("font $name not converted (run the fonts step)");
        }
    }
    return $fonts;
}

function learner(array $facts, int $index): array
{
    $names = $facts['names'];
    return ['name' => $names[$index % count($names)],
            'code' => sprintf($facts['code_format'], $index)];
}

$step = $argv[1];
if ($step === 'fonts') {
    convert_fonts($facts);
    exit(0);
}
if ($step !== 'run' || count($argv) !== 7) {
    fail('usage: tcpdf_attestation.php run FACTS.json OUT_DIR FIRST COUNT WARM');
}
[, , , $out, $first, $count, $warm] = $argv;
$first = (int) $first;
$count = (int) $count;
// Warm-up: at least one document per name, so that every face has been used once.
$warm = max((int) $warm, count($facts['names']));
$fonts = load_fonts($facts);
for ($i = 0; $i < $warm; ++$i) {
    attestation($facts, $fonts, learner($facts, $i), sprintf('%s/warm-%d-%06d.pdf', $out,
                                                              getmypid(), $i));
}
echo "ready\n";
fflush(STDOUT);
fgets(STDIN);
$started = hrtime(true);
$cpu = getrusage();
for ($i = $first; $i < $first + $count; ++$i) {
    attestation($facts, $fonts, learner($facts, $i), sprintf('%s/tcpdf-%06d.pdf', $out, $i));
}
$elapsed = (hrtime(true) - $started) / 1e9;
$after = getrusage();
$cpu_s = ($after['ru_utime.tv_sec'] - $cpu['ru_utime.tv_sec'])
    + ($after['ru_utime.tv_usec'] - $cpu['ru_utime.tv_usec']) / 1e6
    + ($after['ru_stime.tv_sec'] - $cpu['ru_stime.tv_sec'])
    + ($after['ru_stime.tv_usec'] - $cpu['ru_stime.tv_usec']) / 1e6;
echo json_encode(['docs' => $count, 'seconds' => $elapsed, 'cpu_s' => $cpu_s,
                  'peak_mb' => memory_get_peak_usage(true) / 1048576]), "\n";
