<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>@default</name>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="831"/>
        <source>Buildings: heating</source>
        <translation>建筑：供暖</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="832"/>
        <source>Road traffic</source>
        <translation>道路交通</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="833"/>
        <source>Vegetation uptake</source>
        <translation>植被吸收</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="834"/>
        <source>Net</source>
        <translation>净排放</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="835"/>
        <source>tCO2/yr</source>
        <translation>tCO2/年</translation>
    </message>
</context>
<context>
    <name>BaseBuilderWidget</name>
    <message>
        <location filename="../ui/base_builder.py" line="63"/>
        <source>Build a base</source>
        <translation>构建底座</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="88"/>
        <source>Add sources…</source>
        <translation>添加数据源…</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="89"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="90"/>
        <source>Open description…</source>
        <translation>打开描述文件…</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="91"/>
        <source>Save description…</source>
        <translation>保存描述文件…</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="104"/>
        <source>CGCS2000 zone of the data</source>
        <translation>数据所在的 CGCS2000 投影带</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="106"/>
        <source>Base CRS</source>
        <translation>底座坐标系</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="111"/>
        <source>Grid cell</source>
        <translation>网格大小</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="113"/>
        <source>Day</source>
        <translation>日</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="113"/>
        <source>Week</source>
        <translation>周</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="113"/>
        <source>Month</source>
        <translation>月</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="113"/>
        <source>Quarter</source>
        <translation>季度</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="113"/>
        <source>Year</source>
        <translation>年</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="117"/>
        <source>Time bin</source>
        <translation>时间段</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="120"/>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage 文件 (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="121"/>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="126"/>
        <source>Build</source>
        <translation>构建</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="127"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="141"/>
        <source>NMEA log</source>
        <translation>NMEA 日志</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="142"/>
        <source>GPX</source>
        <translation>GPX</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="143"/>
        <source>Cell sites</source>
        <translation>基站</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="144"/>
        <source>Drive test</source>
        <translation>路测</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="145"/>
        <source>Imagery</source>
        <translation>影像</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="146"/>
        <source>InSAR PS</source>
        <translation>InSAR PS 点</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="147"/>
        <source>Point cloud</source>
        <translation>点云</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="148"/>
        <source>Buildings</source>
        <translation>建筑物</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="152"/>
        <source>All supported files</source>
        <translation>所有支持的文件</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="152"/>
        <source>NMEA logs (*.nmea *.nma *.log *.txt)</source>
        <translation>NMEA 日志 (*.nmea *.nma *.log *.txt)</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="152"/>
        <source>GPX (*.gpx)</source>
        <translation>GPX 文件 (*.gpx)</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="152"/>
        <source>CSV: cell sites, drive tests, EGMS PS (*.csv *.gz *.txt)</source>
        <translation>CSV：基站、路测、EGMS PS (*.csv *.gz *.txt)</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="152"/>
        <source>Multiband images (*.tif *.tiff *.jp2)</source>
        <translation>多波段影像 (*.tif *.tiff *.jp2)</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="152"/>
        <source>Point clouds (*.las *.laz)</source>
        <translation>点云 (*.las *.laz)</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="152"/>
        <source>Vector layers: buildings, PS points (*.gpkg *.shp *.geojson)</source>
        <translation>矢量图层：建筑物、PS 点 (*.gpkg *.shp *.geojson)</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="165"/>
        <source>Add sources to the base</source>
        <translation>向底座添加数据源</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="207"/>
        <source>Open a base description</source>
        <translation>打开底座描述文件</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="207"/>
        <source>Base descriptions (*.toml *.json)</source>
        <translation>底座描述文件 (*.toml *.json)</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="231"/>
        <source>Description loaded: {n} sources.</source>
        <translation>已加载描述文件：{n} 个数据源。</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="249"/>
        <source>Save the base description</source>
        <translation>保存底座描述文件</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="249"/>
        <source>TOML (*.toml)</source>
        <translation>TOML 文件 (*.toml)</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="268"/>
        <source>Add at least one source first.</source>
        <translation>请先添加至少一个数据源。</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="271"/>
        <source>Choose where to write the base (a .gpkg file).</source>
        <translation>请选择底座的输出位置（.gpkg 文件）。</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="278"/>
        <source>The CityTwin Processing provider is not loaded.</source>
        <translation>CityTwin 处理工具提供程序未加载。</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="295"/>
        <source>Building {name}…</source>
        <translation>正在构建 {name}…</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="303"/>
        <source>Canceling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="313"/>
        <source>Built: {layers} layers, {cells} grid rows, {skipped} lines skipped. {path}</source>
        <translation>构建完成：{layers} 个图层，{cells} 行融合网格，跳过 {skipped} 行。{path}</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="324"/>
        <source>Canceled: the previous base is unchanged.</source>
        <translation>已取消：原有底座保持不变。</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="327"/>
        <source>The build failed: {errors}</source>
        <translation>构建失败：{errors}</translation>
    </message>
    <message>
        <location filename="../ui/base_builder.py" line="327"/>
        <source>see View &gt; Panels &gt; Log Messages</source>
        <translation>请查看 视图 &gt; 面板 &gt; 日志消息</translation>
    </message>
</context>
<context>
    <name>BeidouCodeAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="142"/>
        <source>Add BeiDou grid code</source>
        <translation>添加北斗网格位置码</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="145"/>
        <source>beidou,bds,grid,location code,gb/t 39409,北斗网格位置码,geocode,index,3d</source>
        <translation>beidou,bds,grid,location code,gb/t 39409,北斗网格位置码,geocode,index,3d,北斗,网格,位置码,地理编码,索引,三维</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="148"/>
        <source>Adds the BeiDou grid location code of each feature to a copy of the layer: the 2D code, and with a height source the 3D code as well. Points are coded where they are; lines, polygons and multi-points at their centroid (computed in the layer's CRS; for a grid cell that is its centre, so a cell made by 'Create BeiDou grid' gets its own code).
Level: 10 (the default) is the full code; the code of any coarser level is its prefix (first 4, 6, 7, 9, 11, 12, 14, 16 or 18 characters), so nothing is lost by coding finely.
3D code (32 characters at level 10): the height H in metres above the CGCS2000 ellipsoid, from a numeric field or from the geometry's Z (for lines and polygons the mean Z of their vertices), gives the height cell n = ⌊(θ0/θ)·ln((H+r)/r)/ln(1+θ0)⌋ with θ0 = 1°, θ = 1/2048″, r = 6 378 137 m (cells about 1.5 cm thick near the ground), with a sign character (0 above, 1 below the ellipsoid) and the bits of |n| spread over the levels (6, 3, 1, 4, 4, 1, 3, 3, 3, 3 bits), interleaved after each level's 2D characters. Heights above the 1985 national height datum differ from ellipsoidal heights by the height anomaly (tens of metres in China): convert them first.
Features without geometry, beyond ±88° latitude, or (3D) without a usable height get NULL, and the log counts them.
</source>
        <translation>为图层副本中的每个要素添加北斗网格位置码：二维码，给出高度来源时同时添加三维码。点要素按其所在位置编码；线、面和多点要素按其质心编码（在图层坐标系中计算；网格单元的质心即其中心，因此由“创建北斗网格”生成的单元得到的正是其自身的编码）。
级别：10（默认）为完整编码；任一较粗级别的编码都是它的前缀（前 4、6、7、9、11、12、14、16 或 18 个字符），因此按精细级别编码不会丢失任何信息。
三维码（10 级时 32 个字符）：由数值字段或几何的 Z 值（线和面取其顶点 Z 的平均值）给出 CGCS2000 椭球面以上的高度 H（米），按 n = ⌊(θ0/θ)·ln((H+r)/r)/ln(1+θ0)⌋ 得到高度网格编号 n，其中 θ0 = 1°，θ = 1/2048″，r = 6 378 137 m（近地面处网格厚约 1.5 cm）；另加一个符号字符（椭球面以上为 0，以下为 1），|n| 的各位分配到各级（6、3、1、4、4、1、3、3、3、3 位），交错排在每级的二维字符之后。1985 国家高程基准的高程与椭球高相差高程异常（在中国为数十米）：请先进行换算。
没有几何、纬度超出 ±88°、或（三维码）没有可用高度的要素得到 NULL，并在日志中计数。
</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="170"/>
        <source>Input layer</source>
        <translation>输入图层</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="175"/>
        <source>Level (1-10)</source>
        <translation>级别（1-10）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="176"/>
        <source>Height for the 3D code</source>
        <translation>三维码的高度来源</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="176"/>
        <source>None: 2D code only</source>
        <translation>无：仅二维码</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="176"/>
        <source>A numeric field</source>
        <translation>数值字段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="176"/>
        <source>The geometry&apos;s Z</source>
        <translation>几何的 Z 值</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="184"/>
        <source>Height field (m above the ellipsoid)</source>
        <translation>高度字段（椭球高，米）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="194"/>
        <source>Field of the 2D code</source>
        <translation>二维码字段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="195"/>
        <source>Field of the 3D code</source>
        <translation>三维码字段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="196"/>
        <source>Coded layer</source>
        <translation>已编码图层</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="197"/>
        <source>Features with a code</source>
        <translation>有编码的要素数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="198"/>
        <source>Features without a code</source>
        <translation>无编码的要素数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="208"/>
        <source>Choose the height field, or another height source.</source>
        <translation>请选择高度字段，或选择其他高度来源。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="210"/>
        <source>Layer &apos;{layer}&apos; has no field &apos;{field}&apos;.</source>
        <translation>图层“{layer}”没有字段“{field}”。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="216"/>
        <source>The name of a code field is empty.</source>
        <translation>编码字段的名称为空。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="218"/>
        <source>Layer &apos;{layer}&apos; already has a field &apos;{field}&apos;: choose another name.</source>
        <translation>图层“{layer}”已有字段“{field}”：请另选名称。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="224"/>
        <source>The 2D and 3D code fields need different names.</source>
        <translation>二维码字段和三维码字段的名称必须不同。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="256"/>
        <source>Layer &apos;{layer}&apos; has no CRS: assign one (codes need latitude and longitude).</source>
        <translation>图层“{layer}”没有坐标系：请为其指定坐标系（编码需要经纬度）。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="303"/>
        <source>{count} feature(s) have no geometry: their codes are NULL.</source>
        <translation>{count} 个要素没有几何：其编码为 NULL。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="307"/>
        <source>{count} feature(s) lie beyond ±88° latitude (the polar caps, coded differently by the standard) or outside ±180° longitude: their codes are NULL.</source>
        <translation>{count} 个要素位于纬度 ±88° 以外（极区，标准对其采用不同的编码方式）或经度 ±180° 以外：其编码为 NULL。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="316"/>
        <source>{count} feature(s) have no height: their 3D codes are NULL.</source>
        <translation>{count} 个要素没有高度：其三维码为 NULL。</translation>
    </message>
</context>
<context>
    <name>BeidouGridAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="331"/>
        <source>Create BeiDou grid</source>
        <translation>创建北斗网格</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="334"/>
        <source>beidou,bds,grid,cells,location code,gb/t 39409,北斗网格位置码,fishnet</source>
        <translation>beidou,bds,grid,cells,location code,gb/t 39409,北斗网格位置码,fishnet,北斗,网格,网格单元,位置码,渔网</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="337"/>
        <source>Builds every cell of the chosen BeiDou grid level that meets the extent, as polygons in CGCS2000 geographic coordinates (EPSG:4490), with fields code (the 2D code), level, west, south, east, north (cell edges, degrees) and width_m, height_m (the cell's size at its centre on the CGCS2000 ellipsoid, metres). The extent may be in any CRS; it is transformed to EPSG:4490 first, and parts beyond ±88° latitude are left out (with a warning). Each cell is found by coding its centre and decoding the code, so the polygons are exactly the cells the codes name; they tile the extent without gaps or overlaps. At most 1,000,000 cells: for more, choose a coarser level or a smaller extent. The default level 5 (4″, about 120 m × 95 m at 40° N) covers a city in tens of thousands of cells.
</source>
        <translation>生成所选北斗网格级别中与范围相交的每个网格单元，输出为 CGCS2000 地理坐标（EPSG:4490）下的多边形，字段包括 code（二维码）、level、west、south、east、north（单元边界，度）以及 width_m、height_m（单元中心处在 CGCS2000 椭球面上的尺寸，米）。范围可以采用任意坐标系；它先被转换到 EPSG:4490，纬度 ±88° 以外的部分被略去（并给出警告）。每个单元通过对其中心编码再解码得到，因此多边形恰好是编码所指的网格单元；它们无缝隙、无重叠地铺满整个范围。最多 1,000,000 个单元：超出时请选择更粗的级别或更小的范围。默认级别 5（4″，在北纬 40° 处约 120 m × 95 m）用数万个单元即可覆盖一座城市。
</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="353"/>
        <source>Extent</source>
        <translation>范围</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="354"/>
        <source>Level (1-10)</source>
        <translation>级别（1-10）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="355"/>
        <source>BeiDou grid</source>
        <translation>北斗网格</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="360"/>
        <source>Cells</source>
        <translation>网格单元数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="368"/>
        <source>The extent is empty.</source>
        <translation>范围为空。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="372"/>
        <source>The extent ({south:.4f}° to {north:.4f}° N) lies beyond ±88° latitude: the polar caps are coded differently by the standard and are not built here.</source>
        <translation>范围（{south:.4f}° 至 {north:.4f}° N）位于纬度 ±88° 以外：极区在标准中采用不同的编码方式，此处不生成。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="379"/>
        <source>The extent was clipped to ±88° latitude and ±180° longitude (the polar caps are not built).</source>
        <translation>范围已裁剪到纬度 ±88° 和经度 ±180° 以内（不生成极区）。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="393"/>
        <source>Level {level}: {count} cells over {west:.6f}..{east:.6f} E, {south:.6f}..{north:.6f} N.</source>
        <translation>级别 {level}：{count} 个网格单元，范围 {west:.6f}..{east:.6f} E，{south:.6f}..{north:.6f} N。</translation>
    </message>
</context>
<context>
    <name>BeidouMessages</name>
    <message>
        <location filename="../processing/algorithms/beidou_algorithms.py" line="61"/>
        <source>The grid is the national standard GB/T 39409-2020 《北斗网格位置码》 (BeiDou grid location code): levels 1-10 of 6°×4°, 30′, 15′×10′, 1′, 4″, 2″, 1/4″, 1/32″, 1/256″ and 1/2048″ cells (level 10 is about 1.5 cm); the 2D code has 4, 6, 7, 9, 11, 12, 14, 16, 18 or 20 characters and a coarser code is a prefix of a finer one. Cells are counted away from the equator and the prime meridian (mirrored in the southern and western hemispheres). A point on a cell edge belongs to the cell farther from the equator in latitude, and in longitude to the cell east of the edge. Latitudes beyond ±88° (the polar caps, which the standard codes differently) are not coded.
Coordinates are transformed to CGCS2000 geographic (EPSG:4490). PROJ treats WGS 84 and CGCS2000 as the same frame: the frames agree to centimetres, but a position measured in WGS 84 today differs from its CGCS2000 (epoch 2000.0) coordinates by the plate motion since 2000 (about 3 cm a year in China, several decimetres by now), so at levels 8-10 (1 m, 12 cm and 1.5 cm cells) codes of WGS 84 data may name a neighbouring cell.</source>
        <translation>网格采用国家标准 GB/T 39409-2020《北斗网格位置码》：1-10 级网格单元分别为 6°×4°、30′、15′×10′、1′、4″、2″、1/4″、1/32″、1/256″ 和 1/2048″（10 级约 1.5 cm）；二维码分别有 4、6、7、9、11、12、14、16、18 或 20 个字符，较粗级别的编码是较细级别编码的前缀。网格单元从赤道和本初子午线向外计数（南半球和西半球镜像对称）。位于单元边线上的点，在纬度方向上归属离赤道较远的单元，在经度方向上归属边线以东的单元。纬度 ±88° 以外（极区，标准对其采用不同的编码方式）不予编码。
坐标会转换到 CGCS2000 地理坐标（EPSG:4490）。PROJ 将 WGS 84 与 CGCS2000 视为同一框架：两个框架在厘米级上一致，但如今以 WGS 84 测得的位置与其 CGCS2000（2000.0 历元）坐标相差 2000 年以来的板块运动量（在中国约每年 3 cm，至今已达数分米），因此在 8-10 级（1 m、12 cm 和 1.5 cm 的单元）下，WGS 84 数据的编码可能指向相邻单元。</translation>
    </message>
</context>
<context>
    <name>BuildDigitalBaseAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="57"/>
        <source>Build digital base</source>
        <translation>构建数字底座</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="60"/>
        <source>digital base,fusion,grid,nmea,beidou,gnss,cell,rsrp,ndvi,insar,ps,lidar,buildings</source>
        <translation>数字底座,融合,网格,nmea,北斗,gnss,基站,rsrp,ndvi,insar,ps,激光雷达,建筑物</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="63"/>
        <source>Builds the city's spatiotemporal digital base: reads every source (NMEA logs, GPX, OpenCelliD cell sites, drive tests, multiband imagery, InSAR PS points, point clouds, building footprints), brings them onto one CRS (by default the CGCS2000 3-degree Gauss-Krüger zone of the data's centre, e.g. EPSG:4548 for Beijing) and one time axis, and computes the fused grid: per square cell (in metres) and time bin, the GNSS fix rate, mean HDOP and satellites used; mean and 10th-percentile RSRP (dBm) and the share below −110 dBm; mean NDVI/NDBI/NDWI; PS count and mean velocity (mm/yr); building count, footprint share and mean height (m). Each statistic comes with its observation count; empty cells are not written.

Give either a base description (TOML or JSON: sources and settings; its settings then apply) or a list of files (their kind is detected; CRS, cell size and time unit are taken from this dialog). Writes one GeoPackage (all layers, the grid, the sources with SHA-256 checksums, styles) and a QGIS project with the five groups and the time range set; both are written atomically. Malformed lines are skipped, counted and listed in the log.</source>
        <translation>构建城市时空数字底座：读取全部数据源（NMEA 日志、GPX、OpenCelliD 基站、路测、多光谱影像、InSAR PS 点、点云、建筑物轮廓），统一到同一坐标系（默认为数据中心所在的 CGCS2000 3 度带高斯-克吕格投影，例如北京为 EPSG:4548）和同一时间轴，并计算融合网格：按方形网格（单位：米）和时间段统计 GNSS 定位率、平均 HDOP 和使用卫星数；RSRP 均值和第 10 百分位数（dBm）及低于 −110 dBm 的比例；NDVI/NDBI/NDWI 均值；PS 点数及平均形变速率（mm/年）；建筑物数量、占地比例和平均高度（米）。每项统计都附有所依据的观测数；空网格不输出。

可以提供底座描述文件（TOML 或 JSON：数据源和参数，此时使用文件中的参数），或提供文件列表（自动识别类型；坐标系、网格大小和时间段取自本对话框）。输出一个 GeoPackage（全部图层、网格、带 SHA-256 校验值的数据源清单、样式）和一个包含五个图层组并已设置时间范围的 QGIS 项目；两者均以原子方式写入。格式错误的行会被跳过、计数并列在日志中。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="80"/>
        <source>Base description (TOML or JSON)</source>
        <translation>底座描述文件（TOML 或 JSON）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="80"/>
        <source>Base descriptions (*.toml *.json)</source>
        <translation>底座描述文件 (*.toml *.json)</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="89"/>
        <source>Or: input files</source>
        <translation>或：输入文件</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="94"/>
        <source>Base CRS (default: CGCS2000 zone of the data)</source>
        <translation>底座坐标系（默认：数据所在的 CGCS2000 投影带）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="97"/>
        <source>Grid cell size (m)</source>
        <translation>网格大小（米）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="106"/>
        <source>Time bin</source>
        <translation>时间段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="106"/>
        <source>Day</source>
        <translation>日</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="106"/>
        <source>Week</source>
        <translation>周</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="106"/>
        <source>Month</source>
        <translation>月</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="106"/>
        <source>Quarter</source>
        <translation>季度</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="106"/>
        <source>Year</source>
        <translation>年</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="114"/>
        <source>Base GeoPackage</source>
        <translation>底座 GeoPackage</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="114"/>
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage 文件 (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="119"/>
        <source>Base project</source>
        <translation>底座项目</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="119"/>
        <source>QGIS project (*.qgz)</source>
        <translation>QGIS 项目 (*.qgz)</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="124"/>
        <source>Base CRS</source>
        <translation>底座坐标系</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="125"/>
        <source>Layers in the base</source>
        <translation>底座图层数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="126"/>
        <source>Fused grid rows</source>
        <translation>融合网格行数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="127"/>
        <source>Skipped lines</source>
        <translation>跳过的行数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="146"/>
        <source>Give a base description or at least one input file.</source>
        <translation>请提供底座描述文件或至少一个输入文件。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="164"/>
        <source>Building {name} from {n} sources…</source>
        <translation>正在从 {n} 个数据源构建 {name}…</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/build_digital_base.py" line="189"/>
        <source>Project written: {path}</source>
        <translation>项目已写入：{path}</translation>
    </message>
</context>
<context>
    <name>BuildingEmissionsAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="131"/>
        <source>Building operational emissions</source>
        <translation>建筑运行碳排放</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="134"/>
        <source>carbon,co2,building,energy,electricity,heating,emission factor,floor area</source>
        <translation>carbon,co2,building,energy,electricity,heating,emission factor,floor area,碳排放,建筑,能耗,电力,供暖,排放因子,建筑面积</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="137"/>
        <source>Operational CO2 of each building, in tCO2/yr. Floor area = footprint area × floors; floors come from the floors field, or from the height (e.g. pc_height_m of 'Building heights from point cloud') ÷ the storey height of the building's use. Electricity = floor area × electricity intensity of the use (kWh/m²/yr) × the regional grid emission factor (kgCO2/kWh; defaults: Ministry of Ecology and Environment and National Bureau of Statistics, 2022: North China 0.6776, national 0.5366, …). Heating = floor area × heating intensity × the heating system's factor (district heat 0.11 tCO2/GJ, gas or coal boilers from IPCC 2006 fuel factors). Uses: residential, office, commercial, public, industrial (Chinese and OSM spellings are recognised). Intensities by use are indicative defaults (order of GB/T 51161-2016): give your own factor table for real accounting.
Every output row carries the factors used and the table rows they came from (factor_refs). A building with an unknown use, or with neither floors nor height, gets a flag and empty results, never a zero.</source>
        <translation>每栋建筑的运行 CO2 排放（tCO2/年）。建筑面积 = 占地面积 × 层数；层数取自层数字段，或由高度（例如“由点云计算建筑高度”的 pc_height_m）÷ 该用途的层高得到。电力 = 建筑面积 × 该用途的用电强度（kWh/m²/年）× 区域电网排放因子（kgCO2/kWh；默认值：生态环境部、国家统计局 2022 年：华北 0.6776，全国 0.5366，…）。供暖 = 建筑面积 × 供暖强度 × 供暖方式的排放因子（集中供热 0.11 tCO2/GJ，燃气或燃煤锅炉取 IPCC 2006 燃料因子）。用途：住宅、办公、商业、公共、工业（可识别中文和 OSM 写法）。各用途的能耗强度为参考性默认值（量级参照 GB/T 51161-2016）：正式核算请提供自己的因子表。
每条输出记录都带有所用因子及其在因子表中的来源行（factor_refs）。用途未知、或既无层数又无高度的建筑会被标记，结果为空，绝不记为零。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="154"/>
        <source>Building footprints</source>
        <translation>建筑轮廓</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="159"/>
        <source>Use field</source>
        <translation>用途字段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="159"/>
        <source>Floors field</source>
        <translation>层数字段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="159"/>
        <source>Height field (m)</source>
        <translation>高度字段（米）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="166"/>
        <source>Power grid region</source>
        <translation>电网区域</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="169"/>
        <source>Heating system</source>
        <translation>供暖方式</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="173"/>
        <source>Building emissions</source>
        <translation>建筑排放</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="178"/>
        <source>Total tCO2/yr</source>
        <translation>合计 tCO2/年</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="179"/>
        <source>Buildings without a result</source>
        <translation>无结果的建筑</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="195"/>
        <source>Give a floors field, a height field or both.</source>
        <translation>请给出层数字段、高度字段或两者。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="212"/>
        <source>{count} building(s) without a result: {reason}</source>
        <translation>{count} 栋建筑无结果：{reason}</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="216"/>
        <source>{n} buildings of &apos;{layer}&apos;: {total:,.1f} tCO2/yr (electricity {elec:,.1f}, heating {heat:,.1f}).</source>
        <translation>图层“{layer}”的 {n} 栋建筑：{total:,.1f} tCO2/年（电力 {elec:,.1f}，供暖 {heat:,.1f}）。</translation>
    </message>
</context>
<context>
    <name>BuildingHeightsAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="247"/>
        <source>Building heights from point cloud</source>
        <translation>由点云计算建筑高度</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="250"/>
        <source>building,height,roof,footprint,lidar,las,laz,ndsm,storeys</source>
        <translation>建筑,高度,屋顶,轮廓,激光雷达,las,laz,ndsm,楼层</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="253"/>
        <source>For every building footprint: the points of the cloud inside it (all classes except ground, water and noise), the roof height as a high percentile of their z (the 95th ignores antennas and stray returns), the ground under the footprint (median of the DTM cells inside it; the DTM is interpolated under buildings from the ground around them) and the building height = roof − ground, in metres.
Output: a copy of the footprint layer with pc_points (points inside), pc_roof_z, pc_ground_z, pc_height_m, pc_height_std (roof roughness) and pc_flag (why a value is missing, e.g. too few points). The input layer is not modified.
Without a DTM one is made from the same points in the same pass (ground class 2, else a morphological filter). Points are assigned to footprints through a raster of footprint ids, with exact point-in-polygon tests only near the edges: tens of millions of points take seconds.</source>
        <translation>对每个建筑轮廓：取其内部的点云点（除地面、水体和噪声外的所有类别），以点高程的高百分位数作为屋顶高度（第 95 百分位可忽略天线和离散回波），以轮廓下方的地面高程（轮廓内 DTM 像元的中位数；建筑下方的 DTM 由周围地面插值得到），建筑高度 = 屋顶 − 地面，单位为米。
输出：轮廓图层的副本，附加字段 pc_points（内部点数）、pc_roof_z、pc_ground_z、pc_height_m、pc_height_std（屋顶粗糙度）和 pc_flag（缺值原因，如点数过少）。输入图层不会被修改。
未提供 DTM 时，在同一遍读取中由同一点云生成（地面类 2，否则使用形态学滤波）。点通过轮廓编号栅格分配到轮廓，仅在边缘附近做精确的点在多边形内判断：数千万点只需数秒。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="268"/>
        <source>Building footprints</source>
        <translation>建筑轮廓</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="273"/>
        <source>DTM in the point cloud&apos;s CRS (default: made from the cloud)</source>
        <translation>点云坐标系下的 DTM（默认：由点云生成）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="278"/>
        <source>Roof percentile of the points&apos; heights</source>
        <translation>屋顶高度取点高程的百分位数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="288"/>
        <source>Fewest points for a height</source>
        <translation>计算高度所需的最少点数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="297"/>
        <source>Cell size of the DTM made from the cloud (m)</source>
        <translation>由点云生成的 DTM 像元大小（米）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="306"/>
        <source>Buildings with heights</source>
        <translation>带高度的建筑</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="311"/>
        <source>Buildings with a height</source>
        <translation>已得到高度的建筑数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="329"/>
        <source>The DTM {name} cannot be read by GDAL.</source>
        <translation>GDAL 无法读取 DTM {name}。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="345"/>
        <source>The DTM is resampled (bilinear) to a north-up grid in the point cloud&apos;s CRS.</source>
        <translation>DTM 已按双线性重采样到点云坐标系下的正北格网。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="397"/>
        <source>{measured} of {total} buildings have a height from the point cloud.</source>
        <translation>{total} 栋建筑中有 {measured} 栋由点云得到了高度。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="403"/>
        <source>{count} buildings: {flag}</source>
        <translation>{count} 栋建筑：{flag}</translation>
    </message>
</context>
<context>
    <name>BuildingRiskAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="738"/>
        <source>Building damage risk from subsidence</source>
        <translation>地面沉降建筑损坏风险</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="741"/>
        <source>insar,building,damage,risk,angular distortion,tilt,settlement,skempton,bjerrum</source>
        <translation>insar,建筑,损坏,风险,角变形,倾斜,沉降,skempton,bjerrum</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="744"/>
        <source>For each building footprint, from the PS points on it or within the buffer: settlement (mm, positive downwards) mean and maximum, differential settlement (max − min), rigid-body tilt ω (rad, gradient of the least-squares plane, with its downward azimuth), angular distortion β = max |Δs|/L over pairs of points at least the minimum separation apart (Skempton &amp; MacDonald 1956), β after removing the tilt (Burland &amp; Wroth 1974), and a damage class from β with the limits of Skempton &amp; MacDonald (1956) and Bjerrum (1963): negligible &lt; 1/5000 ≤ very slight &lt; 1/500 ≤ slight (cracking in panel walls) &lt; 1/300 ≤ moderate (structural damage possible) &lt; 1/150 ≤ severe.
Settlement comes from a field holding either cumulative vertical displacement (mm, up positive, e.g. cum_disp of the fit) or vertical velocity (mm/yr, up positive) multiplied by a number of years. Buildings with too few points are kept with an empty class and a flag. The input layers are not modified; points are taken to the buildings' CRS.</source>
        <translation>对每个建筑轮廓，利用其上或缓冲区内的 PS 点计算：沉降（mm，向下为正）的平均值和最大值、差异沉降（最大 − 最小）、刚体倾斜 ω（rad，最小二乘平面的梯度及其向下方位角）、角变形 β = 相距不小于最小间距的点对中 |Δs|/L 的最大值（Skempton &amp; MacDonald 1956）、扣除倾斜后的 β（Burland &amp; Wroth 1974），以及按 Skempton &amp; MacDonald（1956）和 Bjerrum（1963）限值由 β 得到的损坏等级：可忽略 &lt; 1/5000 ≤ 很轻微 &lt; 1/500 ≤ 轻微（填充墙开裂）&lt; 1/300 ≤ 中等（可能出现结构损坏）&lt; 1/150 ≤ 严重。
沉降取自一个字段：累计竖向位移（mm，向上为正，如拟合结果的 cum_disp），或竖向速率（mm/年，向上为正）乘以年数。点数过少的建筑保留，等级为空并带标记。输入图层不被修改；点会转换到建筑图层的坐标系。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="759"/>
        <source>Building footprints</source>
        <translation>建筑轮廓</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="764"/>
        <source>PS points (vertical)</source>
        <translation>PS 点（竖向）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="769"/>
        <source>Displacement or velocity field</source>
        <translation>位移或速率字段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="779"/>
        <source>The field holds</source>
        <translation>该字段为</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="779"/>
        <source>Cumulative vertical displacement (mm, up positive)</source>
        <translation>累计竖向位移（mm，向上为正）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="779"/>
        <source>Vertical velocity (mm/yr, up positive) × years</source>
        <translation>竖向速率（mm/年，向上为正）× 年数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="791"/>
        <source>Years (for a velocity)</source>
        <translation>年数（用于速率）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="800"/>
        <source>Buffer around footprints</source>
        <translation>轮廓缓冲距离</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="800"/>
        <source>Shortest distance between two points for β</source>
        <translation>计算 β 的两点最小间距</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="805"/>
        <source>Fewest points per building</source>
        <translation>每栋建筑最少点数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="814"/>
        <source>Buildings at risk</source>
        <translation>风险建筑</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="819"/>
        <source>Buildings in class slight or worse</source>
        <translation>轻微及以上等级的建筑数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="854"/>
        <source>Damage classes: {counts}</source>
        <translation>损坏等级：{counts}</translation>
    </message>
</context>
<context>
    <name>CarbonLedgerAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="611"/>
        <source>Carbon balance grid and district ledger</source>
        <translation>碳收支格网与街道碳账本</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="614"/>
        <source>carbon,co2,ledger,balance,district,grid,inventory,year over year,xlsx</source>
        <translation>carbon,co2,ledger,balance,district,grid,inventory,year over year,xlsx,碳账本,碳收支,街道,格网,清单,同比</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="632"/>
        <source>Districts</source>
        <translation>街道（区划）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="637"/>
        <source>District name field</source>
        <translation>街道名称字段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="642"/>
        <source>Year</source>
        <translation>年份</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="652"/>
        <source>Building emissions (optional)</source>
        <translation>建筑排放（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="660"/>
        <source>Traffic emissions (optional)</source>
        <translation>交通排放（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="668"/>
        <source>Vegetation uptake raster (optional)</source>
        <translation>植被吸收栅格（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="672"/>
        <source>Ledger table of an earlier year (optional)</source>
        <translation>往年账本表（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="682"/>
        <source>Carbon balance grid</source>
        <translation>碳收支格网</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="683"/>
        <source>District ledger</source>
        <translation>街道碳账本</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="688"/>
        <source>Ledger table</source>
        <translation>账本表</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="691"/>
        <source>Ledger chart</source>
        <translation>账本图表</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="696"/>
        <source>Net tCO2/yr</source>
        <translation>净排放 tCO2/年</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="696"/>
        <source>Emissions tCO2/yr</source>
        <translation>排放 tCO2/年</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="696"/>
        <source>Uptake tCO2/yr</source>
        <translation>吸收 tCO2/年</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="719"/>
        <source>Grid: {cols} × {rows} cells of {size:g} m.</source>
        <translation>格网：{cols} × {rows} 个 {size:g} 米格元。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="726"/>
        <source>Give at least one of: building emissions, traffic emissions, uptake raster.</source>
        <translation>请至少给出以下之一：建筑排放、交通排放、吸收栅格。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="753"/>
        <source>Carbon ledger {year} (tCO2/yr)</source>
        <translation>{year} 年碳账本（tCO2/年）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="767"/>
        <source>Ledger {year}: emissions {e:,.1f}, uptake {u:,.1f}, net {n:,.1f} tCO2/yr.</source>
        <translation>{year} 年账本：排放 {e:,.1f}，吸收 {u:,.1f}，净排放 {n:,.1f} tCO2/年。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="789"/>
        <source>{n} building(s) of &apos;{layer}&apos; have no emissions (flagged): not in the ledger.</source>
        <translation>图层“{layer}”中有 {n} 栋建筑无排放结果（已标记）：未计入账本。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="820"/>
        <source>{t:,.1f} tCO2/yr of &apos;{layer}&apos; lie outside the grid of the districts: not in the ledger.</source>
        <translation>图层“{layer}”有 {t:,.1f} tCO2/年位于街道格网之外：未计入账本。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="617"/>
        <source>Sums each sector onto one grid (cells of the given size in the districts' CRS, snapped to multiples of the cell size like the base grid): building emissions (fields co2_elec_t and co2_heat_t of 'Building operational emissions', at each footprint's centroid), traffic (field co2_t of 'Road-traffic emissions': grid cells at their centre, road lines split along their length) and the vegetation uptake raster (each raster cell to the grid cell of its centre). Net = buildings + traffic − uptake, tCO2/yr.
Outputs: the balance raster (one band per sector and the net), the districts with their totals (a district holds the grid cells whose centre lies inside it, as QGIS's zonal statistics do; a district holding fewer than two cell centres is reported: use a smaller cell), and the ledger as a CSV or XLSX table (the XLSX lists the factors used), optionally a chart (PNG). Give the ledger table of an earlier year to add the year-over-year change per district.</source>
        <translation>将各部门汇总到同一格网上（在街道图层的坐标系中按给定大小划分格元，并像底座格网一样对齐到格元大小的整数倍）：建筑排放（“建筑运行碳排放”的 co2_elec_t 和 co2_heat_t 字段，按每个轮廓的质心）、交通（“道路交通碳排放”的 co2_t 字段：格元按其中心，道路线按长度拆分）以及植被吸收栅格（每个栅格像元归入其中心所在的格元）。净排放 = 建筑 + 交通 − 吸收，单位 tCO2/年。
输出：收支栅格（每个部门一个波段，另加净排放）、带合计的街道图层（街道包含中心落在其内的格元，与 QGIS 分区统计规则相同；包含不足两个格元中心的街道会被报告：请用更小的格元），以及 CSV 或 XLSX 账本表（XLSX 列出所用因子），可选图表（PNG）。给出往年的账本表即可增加各街道的同比变化。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="671"/>
        <source>Grid cell size (m)</source>
        <translation>格网大小（米）</translation>
    </message>
</context>
<context>
    <name>CarbonMessages</name>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="51"/>
        <source>Factor table (CSV or TOML; empty: the shipped Chinese defaults)</source>
        <translation>因子表（CSV 或 TOML；留空：使用随插件提供的中国默认值）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="66"/>
        <source>Factor table: {path} ({rows} rows)</source>
        <translation>因子表：{path}（{rows} 行）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="74"/>
        <source> (indicative)</source>
        <translation>（参考值）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="86"/>
        <source>Layer &apos;{layer}&apos; has no field &apos;{field}&apos;.</source>
        <translation>图层“{layer}”没有字段“{field}”。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="94"/>
        <source>Layer &apos;{layer}&apos; has no feature with a geometry.</source>
        <translation>图层“{layer}”没有带几何的要素。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="250"/>
        <source>Layer &apos;{layer}&apos;, field &apos;{field}&apos;: &apos;{value}&apos; (feature {n}) is not a time.</source>
        <translation>图层“{layer}”，字段“{field}”：“{value}”（第 {n} 个要素）不是时间。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="830"/>
        <source>Buildings: electricity (scope 2)</source>
        <translation>建筑：电力（范围二）</translation>
    </message>
</context>
<context>
    <name>CarbonPanel</name>
    <message>
        <location filename="../ui/carbon_panel.py" line="66"/>
        <source>1. Building operational emissions…</source>
        <translation>1. 建筑运行碳排放…</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="67"/>
        <source>2. Road-traffic emissions from GNSS…</source>
        <translation>2. 基于 GNSS 的道路交通碳排放…</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="68"/>
        <source>3. Vegetation carbon sink from NDVI…</source>
        <translation>3. 基于 NDVI 的植被碳汇…</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="69"/>
        <source>5. Reconcile with ODIAC / EDGAR…</source>
        <translation>5. 与 ODIAC / EDGAR 对比…</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="88"/>
        <source>4. District ledger</source>
        <translation>4. 街道碳账本</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="108"/>
        <source>Districts</source>
        <translation>街道（区划）</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="109"/>
        <source>Name field</source>
        <translation>名称字段</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="110"/>
        <source>Year</source>
        <translation>年份</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="111"/>
        <source>Building emissions</source>
        <translation>建筑排放</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="112"/>
        <source>Traffic emissions</source>
        <translation>交通排放</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="113"/>
        <source>Vegetation uptake</source>
        <translation>植被吸收</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="114"/>
        <source>Grid cell size</source>
        <translation>格网大小</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="115"/>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="119"/>
        <source>Run ledger</source>
        <translation>计算账本</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="120"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="141"/>
        <source>District</source>
        <translation>街道</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="141"/>
        <source>Emissions</source>
        <translation>排放</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="141"/>
        <source>Uptake</source>
        <translation>吸收</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="141"/>
        <source>Net</source>
        <translation>净排放</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="141"/>
        <source>Net / km²</source>
        <translation>净排放 / km²</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="151"/>
        <source>Save chart as PNG…</source>
        <translation>将图表保存为 PNG…</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="204"/>
        <source>Choose a district layer.</source>
        <translation>请选择街道图层。</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="207"/>
        <source>Choose at least one of: building emissions, traffic emissions, uptake.</source>
        <translation>请至少选择以下之一：建筑排放、交通排放、吸收。</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="211"/>
        <source>The CityTwin Processing provider is not loaded.</source>
        <translation>CityTwin 处理算法提供程序未加载。</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="215"/>
        <source>Computing the ledger…</source>
        <translation>正在计算账本…</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="227"/>
        <source>Canceled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="227"/>
        <source>The ledger failed: {error}</source>
        <translation>账本计算失败：{error}</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="244"/>
        <source>Carbon balance {year}</source>
        <translation>{year} 年碳收支</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="245"/>
        <source>Carbon ledger {year}</source>
        <translation>{year} 年碳账本</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="256"/>
        <source>Emissions {e:,.1f} t, uptake {u:,.1f} t, net {n:,.1f} tCO2/yr.</source>
        <translation>排放 {e:,.1f} t，吸收 {u:,.1f} t，净排放 {n:,.1f} tCO2/年。</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="266"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location filename="../ui/carbon_panel.py" line="287"/>
        <source>Save chart</source>
        <translation>保存图表</translation>
    </message>
</context>
<context>
    <name>CellCoverageAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="71"/>
        <source>Cell coverage prediction (38.901, DSM line of sight)</source>
        <translation>小区覆盖预测（38.901，DSM 视距）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="74"/>
        <source>coverage,rsrp,lte,nr,5g,3gpp,38.901,uma,umi,path loss,drive test,calibration,工参</source>
        <translation>coverage,rsrp,lte,nr,5g,3gpp,38.901,uma,umi,path loss,drive test,calibration,工参,覆盖,小区覆盖,参考信号接收功率,路径损耗,路测,校准,工参表</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="77"/>
        <source>Predicts the RSRP (dBm per resource element) of the strongest cell over every cell of the DSM's grid, for a receiver the given height above the DTM, with the path-loss models of 3GPP TR 38.901 (V17.0.0, Table 7.4.1-1; UMa or UMi street canyon). For each cell and site the LOS or NLOS formula is chosen by a line-of-sight test through the DSM between antenna and receiver (a radial sweep, Franklin &amp; Ray 1994); the antenna's own roof does not block. RSRP = P_tx − 10·log10(12·N_RB) + G(azimuth) − PL − extra losses, with the 3-sector horizontal pattern of TR 38.901 Table 7.3-1 (65° beamwidth).
Sites: a point layer, one feature per cell/sector (an operator's engineering-parameter table, 工参表). Fields are found by name when not chosen; missing values get documented defaults, reported in the log: antenna height 25 m (UMa) / 10 m (UMi) above ground, Tx power 46 dBm (UMa) / 44 dBm (UMi), frequency from the EARFCN (3GPP TS 36.101) else 1.85 GHz, no azimuth = omnidirectional.
With a drive test (CSV of the common tools, English or Chinese headers), each sample is predicted at its own position and compared with the measured RSRP: bias (predicted − measured), RMSE and Pearson correlation, overall and per site (the serving site by cell id, then PCI, then the strongest predicted cell). 'Calibrate' adds to each site the mean of measured − predicted over its samples (at least 10), reports the RMSE on a held-out half (alternate blocks of samples) and applies the offsets to the map. Receivers inside buildings are no-data on the map.</source>
        <translation>在 DSM 格网的每个像元上，预测位于 DTM 之上给定高度的接收机所收到的最强小区 RSRP（每资源粒子 dBm），采用 3GPP TR 38.901（V17.0.0，表 7.4.1-1；UMa 或 UMi 街道峡谷）的路径损耗模型。对每个像元和站点，根据天线与接收机之间穿过 DSM 的视距检测（径向扫描，Franklin &amp; Ray 1994）选用 LOS 或 NLOS 公式；天线自身所在的屋顶不构成遮挡。RSRP = P_tx − 10·log10(12·N_RB) + G(方位角) − PL − 附加损耗，水平方向图采用 TR 38.901 表 7.3-1 的三扇区方向图（波束宽度 65°）。
站点：点图层，每个小区/扇区一个要素（运营商的工参表）。未选择字段时按名称查找字段；缺失的值使用文档中给出的默认值，并在日志中报告：天线离地挂高 25 m（UMa）/ 10 m（UMi），发射功率 46 dBm（UMa）/ 44 dBm（UMi），频率由 EARFCN 换算（3GPP TS 36.101），否则取 1.85 GHz，无方位角则视为全向天线。
给出路测数据（常用路测软件导出的 CSV，英文或中文表头）时，在每个采样点自身位置进行预测，并与实测 RSRP 比较：偏差（预测 − 实测）、RMSE 和 Pearson 相关系数，分别给出总体和各站点的结果（服务站点依次按小区标识、PCI、预测最强小区确定）。“校准”为每个站点加上其采样点（至少 10 个）实测 − 预测的平均值，报告留出的一半样本（交替的样本块）上的 RMSE，并将偏移量应用到覆盖图上。位于建筑物内部的接收机在图上为无数据。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="97"/>
        <source>Cell sites (one point per cell)</source>
        <translation>基站（每个小区一个点）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="103"/>
        <source>Site id field</source>
        <translation>站点编号字段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="104"/>
        <source>Cell id field (ECI/NCI)</source>
        <translation>小区标识字段（ECI/NCI）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="105"/>
        <source>PCI field</source>
        <translation>PCI 字段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="106"/>
        <source>Antenna height field (m above ground)</source>
        <translation>天线挂高字段（离地米数）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="107"/>
        <source>Tx power field (dBm)</source>
        <translation>发射功率字段（dBm）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="108"/>
        <source>Frequency field (MHz or GHz)</source>
        <translation>频率字段（MHz 或 GHz）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="109"/>
        <source>EARFCN field</source>
        <translation>EARFCN 字段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="110"/>
        <source>Azimuth field (°)</source>
        <translation>方位角字段（°）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="117"/>
        <source>Scenario</source>
        <translation>场景</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="117"/>
        <source>UMa (urban macro)</source>
        <translation>UMa（城市宏站）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="117"/>
        <source>UMi street canyon</source>
        <translation>UMi（城市微站街道峡谷）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="125"/>
        <source>Resource blocks (100 = 20 MHz LTE)</source>
        <translation>资源块数（100 = 20 MHz LTE）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="125"/>
        <source>Antenna gain (dBi)</source>
        <translation>天线增益（dBi）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="125"/>
        <source>Extra losses (dB: vehicle, body, feeder)</source>
        <translation>附加损耗（dB：车体、人体、馈线）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="136"/>
        <source>Drive test (CSV, optional)</source>
        <translation>路测（CSV，可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="145"/>
        <source>Calibrate a per-site offset</source>
        <translation>按站点校准偏移量</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="146"/>
        <source>Predicted RSRP (dBm)</source>
        <translation>预测 RSRP（dBm）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="147"/>
        <source>Drive test vs prediction</source>
        <translation>路测与预测对比</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="155"/>
        <source>Comparison per site</source>
        <translation>分站点对比</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="160"/>
        <source>RMSE against the drive test (dB)</source>
        <translation>相对路测的 RMSE（dB）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="160"/>
        <source>Bias, predicted − measured (dB)</source>
        <translation>偏差，预测 − 实测（dB）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="160"/>
        <source>Correlation with the drive test</source>
        <translation>与路测的相关系数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="160"/>
        <source>RMSE after calibration (dB)</source>
        <translation>校准后的 RMSE（dB）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="160"/>
        <source>Held-out RMSE after calibration (dB)</source>
        <translation>校准后留出样本的 RMSE（dB）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="193"/>
        <source>Site fields used: {fields}.</source>
        <translation>使用的站点字段：{fields}。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="193"/>
        <source>none (all defaults)</source>
        <translation>无（全部使用默认值）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="239"/>
        <source>{cells:,} cells predicted; {los:.0%} in line of sight of their server; {indoor:,} indoor.</source>
        <translation>已预测 {cells:,} 个像元；其中 {los:.0%} 与其服务小区视距可见；{indoor:,} 个位于室内。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="256"/>
        <source>{file}: the drive test has no RSRP values.</source>
        <translation>{file}：路测数据中没有 RSRP 值。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="266"/>
        <source>Drive test vs prediction: {summary}</source>
        <translation>路测与预测对比：{summary}</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="267"/>
        <source>Serving cells matched: {counts}</source>
        <translation>服务小区匹配：{counts}</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/coverage_algorithm.py" line="280"/>
        <source>Per-site calibration: RMSE {before:.1f} → {after:.1f} dB; on the held-out half {hold_before:.1f} → {hold_after:.1f} dB ({n} samples).</source>
        <translation>分站点校准：RMSE {before:.1f} → {after:.1f} dB；留出的一半样本上 {hold_before:.1f} → {hold_after:.1f} dB（{n} 个样本）。</translation>
    </message>
</context>
<context>
    <name>CityTwinAlgorithm</name>
    <message>
        <location filename="../processing/qgis_algorithm.py" line="28"/>
        <source>Digital base</source>
        <translation>数字底座</translation>
    </message>
    <message>
        <location filename="../processing/qgis_algorithm.py" line="29"/>
        <source>Real-scene 3D</source>
        <translation>实景三维</translation>
    </message>
    <message>
        <location filename="../processing/qgis_algorithm.py" line="30"/>
        <source>Subsidence monitoring</source>
        <translation>地面沉降监测</translation>
    </message>
    <message>
        <location filename="../processing/qgis_algorithm.py" line="31"/>
        <source>Carbon monitoring</source>
        <translation>碳排放管理</translation>
    </message>
    <message>
        <location filename="../processing/qgis_algorithm.py" line="32"/>
        <source>Navigation &amp; communication</source>
        <translation>通导融合分析</translation>
    </message>
    <message>
        <location filename="../processing/qgis_algorithm.py" line="122"/>
        <source>Canceled: no output was written.</source>
        <translation>已取消：未写入任何输出。</translation>
    </message>
    <message>
        <location filename="../processing/qgis_algorithm.py" line="96"/>
        <source>This algorithm needs the Python package(s) {names}, which are not installed in the Python of this QGIS. Install them from the CityTwin menu (Install missing packages…) or with: {command}</source>
        <translation>此算法需要 Python 软件包 {names}，但当前 QGIS 的 Python 中未安装。请通过 CityTwin 菜单（安装缺失的软件包…）安装，或运行：{command}</translation>
    </message>
</context>
<context>
    <name>CityTwinBase</name>
    <message>
        <location filename="../layers/qgis_base_project.py" line="53"/>
        <source>Navigation</source>
        <translation>导航</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="54"/>
        <source>Communication</source>
        <translation>通信</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="55"/>
        <source>Remote sensing</source>
        <translation>遥感</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="56"/>
        <source>Real-scene 3D</source>
        <translation>实景三维</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="57"/>
        <source>Monitoring</source>
        <translation>监测</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="64"/>
        <source>Fused grid</source>
        <translation>融合网格</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="65"/>
        <source>GNSS epochs</source>
        <translation>GNSS 历元</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="66"/>
        <source>GNSS satellites in view</source>
        <translation>GNSS 可见卫星</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="67"/>
        <source>GPX waypoints</source>
        <translation>GPX 航点</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="68"/>
        <source>GPX track points</source>
        <translation>GPX 轨迹点</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="69"/>
        <source>GPX tracks</source>
        <translation>GPX 轨迹</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="70"/>
        <source>Cell sites</source>
        <translation>基站</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="71"/>
        <source>Drive test</source>
        <translation>路测</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="73"/>
        <source>PS velocity</source>
        <translation>PS 形变速率</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="74"/>
        <source>Point-cloud tiles</source>
        <translation>点云瓦片</translation>
    </message>
    <message>
        <location filename="../layers/qgis_base_project.py" line="75"/>
        <source>Buildings</source>
        <translation>建筑物</translation>
    </message>
</context>
<context>
    <name>CityTwinPlugin</name>
    <message>
        <location filename="../plugin.py" line="82"/>
        <source>&amp;CityTwin</source>
        <translation>城市孪生(&amp;C)</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="318"/>
        <source>CityTwin</source>
        <translation>城市孪生 CityTwin</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="106"/>
        <source>Digital Base Panel</source>
        <translation>数字底座面板</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="107"/>
        <source>Show or hide the CityTwin Digital Base panel</source>
        <translation>显示或隐藏 CityTwin 数字底座面板</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="121"/>
        <source>Point Cloud Information…</source>
        <translation>点云信息…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="125"/>
        <source>Install Missing Packages…</source>
        <translation>安装缺失的软件包…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="342"/>
        <source>About CityTwin</source>
        <translation>关于 CityTwin</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="166"/>
        <source>Missing Python packages: {names}. Point-cloud, 3D and monitoring tools need them.</source>
        <translation>缺少 Python 软件包：{names}。点云、三维和监测工具需要它们。</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="172"/>
        <source>Install…</source>
        <translation>安装…</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="198"/>
        <source>All required Python packages are installed.</source>
        <translation>所需的 Python 软件包均已安装。</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="218"/>
        <source>The Python packages were installed.</source>
        <translation>Python 软件包已安装。</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="218"/>
        <source>Some packages could not be installed: {names}</source>
        <translation>部分软件包未能安装：{names}</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="342"/>
        <source>CityTwin {version}

{about}

{homepage}</source>
        <translation>CityTwin {version}

{about}

主页：{homepage}</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="255"/>
        <source>The base was added to the project: {n} layers.</source>
        <translation>底座已添加到项目：{n} 个图层。</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="109"/>
        <source>3D View</source>
        <translation>三维视图</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="111"/>
        <source>Show the base&apos;s point clouds in 3D</source>
        <translation>以三维方式显示底座中的点云</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="113"/>
        <source>Time-series plot</source>
        <translation>时间序列图</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="115"/>
        <source>Click a PS point on the map to plot its displacement series</source>
        <translation>在地图上点击 PS 点，绘制其位移时间序列</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="293"/>
        <source>The time-series plot needs matplotlib ({error}): use Install Missing Packages…</source>
        <translation>时间序列图需要 matplotlib（{error}）：请使用“安装缺失的软件包…”</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="117"/>
        <source>Sky plot</source>
        <translation>天空图</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="119"/>
        <source>Click a place on the map to see its skyline and satellites</source>
        <translation>在地图上点击一个位置，查看其天际线和卫星</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="318"/>
        <source>The sky plot needs matplotlib ({error}): use Install Missing Packages…</source>
        <translation>天空图需要 matplotlib（{error}）：请使用“安装缺失的软件包…”</translation>
    </message>
</context>
<context>
    <name>CityTwinStyles</name>
    <message>
        <location filename="../layers/qgis_styles.py" line="60"/>
        <source>No fix</source>
        <translation>未定位</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="61"/>
        <source>GNSS fix</source>
        <translation>GNSS 定位</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="62"/>
        <source>Differential fix</source>
        <translation>差分定位</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="63"/>
        <source>RTK fixed</source>
        <translation>RTK 固定解</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="64"/>
        <source>RTK float</source>
        <translation>RTK 浮点解</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="65"/>
        <source>Dead reckoning</source>
        <translation>航位推算</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="89"/>
        <source>≥ −80 dBm excellent</source>
        <translation>≥ −80 dBm 优</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="89"/>
        <source>−90 to −80 dBm good</source>
        <translation>−90 至 −80 dBm 良</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="89"/>
        <source>−100 to −90 dBm fair</source>
        <translation>−100 至 −90 dBm 中</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="89"/>
        <source>−110 to −100 dBm poor</source>
        <translation>−110 至 −100 dBm 差</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="89"/>
        <source>&lt; −110 dBm weak</source>
        <translation>&lt; −110 dBm 弱覆盖</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="403"/>
        <source>RSRP mean</source>
        <translation>RSRP 均值</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="404"/>
        <source>PS velocity</source>
        <translation>PS 形变速率</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="405"/>
        <source>NDVI</source>
        <translation>NDVI</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="406"/>
        <source>GNSS HDOP</source>
        <translation>GNSS HDOP</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="252"/>
        <source>Negligible (β &lt; 1/5000)</source>
        <translation>可忽略（β &lt; 1/5000）</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="253"/>
        <source>Very slight (1/5000 – 1/500)</source>
        <translation>很轻微（1/5000 – 1/500）</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="254"/>
        <source>Slight: cracking in panel walls (1/500 – 1/300)</source>
        <translation>轻微：填充墙开裂（1/500 – 1/300）</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="255"/>
        <source>Moderate: structural damage possible (1/300 – 1/150)</source>
        <translation>中等：可能出现结构损坏（1/300 – 1/150）</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="256"/>
        <source>Severe (β ≥ 1/150)</source>
        <translation>严重（β ≥ 1/150）</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="257"/>
        <source>Not assessed (too few PS points)</source>
        <translation>未评估（PS 点过少）</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="272"/>
        <source>Subsiding cluster</source>
        <translation>沉降聚集区</translation>
    </message>
    <message>
        <location filename="../layers/qgis_styles.py" line="272"/>
        <source>Uplifting cluster</source>
        <translation>抬升聚集区</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="38"/>
        <source>0–3 LOS: no fix</source>
        <translation>0–3 颗 LOS：无法定位</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="39"/>
        <source>4–5 LOS: marginal</source>
        <translation>4–5 颗 LOS：勉强定位</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="40"/>
        <source>6–7 LOS</source>
        <translation>6–7 颗 LOS</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="41"/>
        <source>8–10 LOS</source>
        <translation>8–10 颗 LOS</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="42"/>
        <source>more than 10 LOS</source>
        <translation>10 颗以上 LOS</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="48"/>
        <source>HDOP ≤ 1 ideal</source>
        <translation>HDOP ≤ 1 理想</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="49"/>
        <source>HDOP 1–2 excellent</source>
        <translation>HDOP 1–2 优</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="50"/>
        <source>HDOP 2–5 good</source>
        <translation>HDOP 2–5 良</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="51"/>
        <source>HDOP 5–20 poor</source>
        <translation>HDOP 5–20 差</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="52"/>
        <source>HDOP &gt; 20 unusable</source>
        <translation>HDOP &gt; 20 不可用</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="100"/>
        <source>LOS</source>
        <translation>LOS（视距）</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="100"/>
        <source>NLOS (blocked)</source>
        <translation>NLOS（被遮挡）</translation>
    </message>
    <message>
        <location filename="../layers/qgis_navcomm_styles.py" line="100"/>
        <source>Not classified</source>
        <translation>未分类</translation>
    </message>
</context>
<context>
    <name>CoveragePanel</name>
    <message>
        <location filename="../ui/coverage_panel.py" line="95"/>
        <source>Cell coverage (3GPP TR 38.901)</source>
        <translation>小区覆盖（3GPP TR 38.901）</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="104"/>
        <source>All options (site fields, antenna gain, bandwidth)…</source>
        <translation>全部选项（基站字段、天线增益、带宽）…</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="124"/>
        <source>Drive tests (*.csv *.txt)</source>
        <translation>路测文件 (*.csv *.txt)</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="126"/>
        <source>UMa (urban macro)</source>
        <translation>UMa（城市宏站）</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="126"/>
        <source>UMi street canyon</source>
        <translation>UMi（城市微站街道峡谷）</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="130"/>
        <source>Vehicle, body and feeder losses the path-loss model does not include</source>
        <translation>路径损耗模型未包含的车体、人体和馈线损耗</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="131"/>
        <source>Calibrate a per-site offset</source>
        <translation>按站点校准偏移量</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="136"/>
        <source>Cell sites</source>
        <translation>基站</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="137"/>
        <source>DSM</source>
        <translation>DSM</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="138"/>
        <source>DTM (optional)</source>
        <translation>数字地面模型 DTM（可选）</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="139"/>
        <source>Drive test (optional)</source>
        <translation>路测（可选）</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="140"/>
        <source>Scenario</source>
        <translation>场景</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="141"/>
        <source>Extra losses</source>
        <translation>附加损耗</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="143"/>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="148"/>
        <source>Predict coverage</source>
        <translation>预测覆盖</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="149"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="383"/>
        <source>Site</source>
        <translation>基站</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="167"/>
        <source>Samples</source>
        <translation>样本数</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="167"/>
        <source>Bias</source>
        <translation>偏差</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="167"/>
        <source>RMSE</source>
        <translation>RMSE</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="167"/>
        <source>r</source>
        <translation>r</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="167"/>
        <source>Offset</source>
        <translation>偏移量</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="179"/>
        <source>Per serving site, in dB: bias = mean of predicted − measured, RMSE, r = Pearson correlation; the offset is what calibration adds to the site's prediction</source>
        <translation>按服务基站统计，单位 dB：偏差 = 预测值 − 实测值的均值，RMSE，r = 皮尔逊相关系数；偏移量为校准加到该基站预测值上的量</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="189"/>
        <source>Save plot as PNG…</source>
        <translation>将图保存为 PNG…</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="245"/>
        <source>Choose a cell-site layer and a DSM.</source>
        <translation>请选择基站图层和 DSM。</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="249"/>
        <source>{file}: no such drive-test file.</source>
        <translation>{file}：路测文件不存在。</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="253"/>
        <source>The CityTwin Processing provider is not loaded.</source>
        <translation>CityTwin 处理工具提供程序未加载。</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="257"/>
        <source>Predicting coverage…</source>
        <translation>正在预测覆盖…</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="269"/>
        <source>Canceled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="269"/>
        <source>The coverage prediction failed: {error}</source>
        <translation>覆盖预测失败：{error}</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="284"/>
        <source>Predicted RSRP</source>
        <translation>预测 RSRP</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="286"/>
        <source>Drive test vs prediction</source>
        <translation>路测与预测对比</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="295"/>
        <source>Coverage predicted; no drive test to compare with.</source>
        <translation>覆盖已预测；没有可对比的路测数据。</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="298"/>
        <source>Drive test vs prediction: RMSE {rmse:.1f} dB, bias {bias:+.1f} dB, r {r:.2f}.</source>
        <translation>路测与预测对比：RMSE {rmse:.1f} dB，偏差 {bias:+.1f} dB，r {r:.2f}。</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="302"/>
        <source>After per-site calibration: {after:.1f} dB ({held:.1f} dB on the held-out half).</source>
        <translation>按基站校准后：{after:.1f} dB（留出的一半样本上为 {held:.1f} dB）。</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="379"/>
        <source>Measured RSRP (dBm)</source>
        <translation>实测 RSRP (dBm)</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="380"/>
        <source>Calibrated prediction (dBm)</source>
        <translation>校准后的预测值 (dBm)</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="380"/>
        <source>Predicted RSRP (dBm)</source>
        <translation>预测 RSRP（dBm）</translation>
    </message>
    <message>
        <location filename="../ui/coverage_panel.py" line="389"/>
        <source>Save plot</source>
        <translation>保存图</translation>
    </message>
</context>
<context>
    <name>DecomposeLosAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="313"/>
        <source>Vertical and east-west decomposition</source>
        <translation>竖向与东西向分解</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="316"/>
        <source>insar,los,ascending,descending,vertical,east,decomposition,egms,l3</source>
        <translation>insar,视线,升轨,降轨,竖向,东向,分解,egms,l3</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="319"/>
        <source>Combines an ascending and a descending line-of-sight (LOS) velocity layer into vertical (up positive) and east-west (east positive) velocities, in the unit of the inputs (mm/yr). Each ascending point is paired with the nearest descending point within the distance when each is the other's nearest; the result lies at the pair's midpoint. LOS unit vectors come from the EGMS fields los_east / los_north / los_up, else from incidence_angle and track_angle (right-looking SAR: e = −sinθ·cosα, n = sinθ·sinα, u = cosθ). The north-south component is neglected, as is standard for polar-orbit SAR (the LOS is nearly perpendicular to north): a north-south motion adds about los_north·vN to each LOS. Standard deviations are propagated when the inputs have mean_velocity_std or vel_sd.</source>
        <translation>将升轨和降轨视线向（LOS）速率图层合成为竖向（向上为正）和东西向（向东为正）速率，单位与输入相同（mm/年）。在给定距离内，升轨点与最近的降轨点互为最近邻时配对，结果位于点对的中点。LOS 单位向量取自 EGMS 字段 los_east / los_north / los_up，否则由 incidence_angle 和 track_angle 计算（右视 SAR：e = −sinθ·cosα，n = sinθ·sinα，u = cosθ）。按极轨 SAR 的通行做法忽略南北分量（视线几乎垂直于北向）：南北向运动会使每个 LOS 增加约 los_north·vN。输入含 mean_velocity_std 或 vel_sd 时传播标准差。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="331"/>
        <source>Ascending</source>
        <translation>升轨</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="331"/>
        <source>Descending</source>
        <translation>降轨</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="335"/>
        <source>{track} LOS points</source>
        <translation>{track} LOS 点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="342"/>
        <source>{track} LOS velocity field (mm/yr)</source>
        <translation>{track} LOS 速率字段（mm/年）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="352"/>
        <source>Pairing distance</source>
        <translation>配对距离</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="361"/>
        <source>Vertical and east-west velocity</source>
        <translation>竖向与东西向速率</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="366"/>
        <source>Pairs</source>
        <translation>点对数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="389"/>
        <source>Layer &apos;{layer}&apos; has neither los_east/los_up nor incidence_angle/track_angle fields: the line-of-sight direction is unknown.</source>
        <translation>图层“{layer}”既没有 los_east/los_up 字段，也没有 incidence_angle/track_angle 字段：视线方向未知。</translation>
    </message>
</context>
<context>
    <name>DependencyInstallDialog</name>
    <message>
        <location filename="../ui/install_dialog.py" line="56"/>
        <source>CityTwin — Install Python packages</source>
        <translation>CityTwin — 安装 Python 软件包</translation>
    </message>
    <message>
        <location filename="../ui/install_dialog.py" line="129"/>
        <source>Ready.</source>
        <translation>就绪。</translation>
    </message>
    <message>
        <location filename="../ui/install_dialog.py" line="141"/>
        <source>Install</source>
        <translation>安装</translation>
    </message>
    <message>
        <location filename="../ui/install_dialog.py" line="183"/>
        <source>Installing…</source>
        <translation>正在安装…</translation>
    </message>
    <message>
        <location filename="../ui/install_dialog.py" line="192"/>
        <source>Canceled by the user.</source>
        <translation>已被用户取消。</translation>
    </message>
    <message>
        <location filename="../ui/install_dialog.py" line="212"/>
        <source>Collecting {name}…</source>
        <translation>正在获取 {name}…</translation>
    </message>
    <message>
        <location filename="../ui/install_dialog.py" line="215"/>
        <source>Installing collected packages…</source>
        <translation>正在安装已获取的软件包…</translation>
    </message>
    <message>
        <location filename="../ui/install_dialog.py" line="219"/>
        <source>pip could not be started.</source>
        <translation>无法启动 pip。</translation>
    </message>
    <message>
        <location filename="../ui/install_dialog.py" line="233"/>
        <source>Installed: {names}. They are ready to use.</source>
        <translation>已安装：{names}，现在即可使用。</translation>
    </message>
    <message>
        <location filename="../ui/install_dialog.py" line="239"/>
        <source>pip ended with code {code}; still missing: {names}. See the log above.</source>
        <translation>pip 结束，返回码 {code}；仍缺少：{names}。请查看上方日志。</translation>
    </message>
    <message>
        <location filename="../ui/install_dialog.py" line="239"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../ui/install_dialog.py" line="108"/>
        <source>Note: {names} must use the PROJ, GEOS and GDAL libraries of your QGIS; their PyPI builds bundle other copies that crash QGIS. pip will build them from source, which needs a compiler and the -dev packages. Simpler: install your distribution&apos;s packages (on Debian/Ubuntu: {apt}) and click Install again.</source>
        <translation>注意：{names} 必须使用与 QGIS 相同的 PROJ、GEOS 和 GDAL 库；它们在 PyPI 上的构建自带另一套库副本，会导致 QGIS 崩溃。pip 将从源码构建它们，这需要编译器和相应的 -dev 开发包。更简单的做法：安装发行版提供的软件包（Debian/Ubuntu：{apt}），然后再次点击“安装”。</translation>
    </message>
    <message>
        <location filename="../ui/install_dialog.py" line="70"/>
        <source>CityTwin will install these packages with pip into a folder of your QGIS profile ({folder}); your system Python is not changed, and deleting the folder undoes the installation.</source>
        <translation>CityTwin 将使用 pip 把以下软件包安装到您的 QGIS 配置文件夹（{folder}）中；系统 Python 不会被修改，删除该文件夹即可撤销安装。</translation>
    </message>
</context>
<context>
    <name>DigitalBaseDock</name>
    <message>
        <location filename="../ui/dock.py" line="63"/>
        <source>CityTwin — Digital Base</source>
        <translation>CityTwin — 数字底座</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="187"/>
        <source>Install…</source>
        <translation>安装…</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="168"/>
        <source>Point cloud information…</source>
        <translation>点云信息…</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="197"/>
        <source>Navigation</source>
        <translation>导航</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="198"/>
        <source>Communication</source>
        <translation>通信</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="199"/>
        <source>Remote sensing</source>
        <translation>遥感</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="200"/>
        <source>Real-scene 3D</source>
        <translation>实景三维</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="201"/>
        <source>Monitoring</source>
        <translation>监测</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="245"/>
        <source>Project: {name}</source>
        <translation>项目：{name}</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="245"/>
        <source>(unsaved)</source>
        <translation>（未保存）</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="247"/>
        <source>Base CRS: not set</source>
        <translation>底座坐标系：未设置</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="251"/>
        <source>Base CRS: {authid} — {name}</source>
        <translation>底座坐标系：{authid} — {name}</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="253"/>
        <source>(not a CGCS2000 Gauss-Krüger zone)</source>
        <translation>（不是 CGCS2000 高斯-克吕格投影带）</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="256"/>
        <source>Time axis: not set</source>
        <translation>时间轴：未设置</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="258"/>
        <source>Time axis: {start} – {end}</source>
        <translation>时间轴：{start} – {end}</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="261"/>
        <source>Other layers: {n}</source>
        <translation>其他图层：{n}</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="270"/>
        <source>{section} ({n})</source>
        <translation>{section}（{n}）</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="283"/>
        <source>No layers yet</source>
        <translation>暂无图层</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="298"/>
        <source>Missing Python packages: {names}</source>
        <translation>缺少 Python 软件包：{names}</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="303"/>
        <source>Python packages: all available</source>
        <translation>Python 软件包：全部可用</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="95"/>
        <source>Contents</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="101"/>
        <source>Build</source>
        <translation>构建</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="119"/>
        <source>1. Fit displacement time series…</source>
        <translation>1. 拟合位移时间序列…</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="119"/>
        <source>Vertical and east-west decomposition…</source>
        <translation>竖向与东西向分解…</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="119"/>
        <source>2. Subsidence rate surface…</source>
        <translation>2. 沉降速率面…</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="119"/>
        <source>3. Subsidence hotspots…</source>
        <translation>3. 沉降热点…</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="119"/>
        <source>4. Building damage risk…</source>
        <translation>4. 建筑损坏风险…</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="136"/>
        <source>Time-series plot</source>
        <translation>时间序列图</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="144"/>
        <source>Subsidence</source>
        <translation>地面沉降</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="151"/>
        <source>Carbon</source>
        <translation>碳排放</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="170"/>
        <source>Export 3D scene package…</source>
        <translation>导出三维场景包…</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="172"/>
        <source>The base&apos;s point clouds, buildings and DTM as a 3D Tiles scene package with a web viewer</source>
        <translation>将底座的点云、建筑物和数字地面模型 DTM 导出为带网页查看器的 3D Tiles 三维场景包</translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="163"/>
        <source>Nav &amp; comm</source>
        <translation>通导</translation>
    </message>
</context>
<context>
    <name>ExportSceneAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="293"/>
        <source>Export 3D view as glTF</source>
        <translation>将三维视图导出为 glTF</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="296"/>
        <source>Exports a point cloud (thinned to the point budget) with optional extruded buildings as glTF 2.0 binary (.glb: points with normalized 8-bit colours, buildings as meshes) or VTK (.vtp for a cloud, .vtm with buildings). Positions are float32 offsets from a local origin; the origin (real coordinates), the CRS and the axis convention (glTF x = east, y = up, z = −north) are written in the file (glTF asset.extras / VTK field data), so real coordinates = origin + position.</source>
        <translation>将点云（按点数预算抽稀）及可选的拉伸建筑导出为 glTF 2.0 二进制（.glb：点带归一化 8 位颜色，建筑为网格）或 VTK（点云为 .vtp，含建筑为 .vtm）。坐标为相对局部原点的 float32 偏移；原点（真实坐标）、坐标系和轴向约定（glTF x = 东，y = 上，z = −北）写入文件（glTF asset.extras / VTK 字段数据），因此真实坐标 = 原点 + 位置。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="306"/>
        <source>3D file</source>
        <translation>三维文件</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="306"/>
        <source>glTF binary (*.glb);;VTK PolyData (*.vtp);;VTK MultiBlock (*.vtm)</source>
        <translation>glTF 二进制 (*.glb);;VTK PolyData (*.vtp);;VTK MultiBlock (*.vtm)</translation>
    </message>
</context>
<context>
    <name>FitTimeSeriesAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="146"/>
        <source>Fit displacement time series</source>
        <translation>拟合位移时间序列</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="149"/>
        <source>insar,ps,egms,velocity,acceleration,seasonal,time series,subsidence,mintpy</source>
        <translation>insar,ps,egms,速率,加速度,季节性,时间序列,沉降,mintpy</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="152"/>
        <source>Fits each persistent scatterer's displacement series by least squares: offset, velocity (mm/yr), acceleration (mm/yr², k! convention: d = c + v·t + a·t²/2), annual and semi-annual terms (amplitude in mm and phase in degrees of A·cos(2πkτ − φ), τ from 1 January) and steps at the given dates (mm). Per point: each coefficient and its standard deviation from the residual variance (σ² = eᵀe/(N − P), C = σ²(GᵀG)⁻¹), the RMSE, the number of epochs used and the modelled cumulative displacement over the period. Missing epochs are skipped per point; a point with too few epochs gets a fit_flag.
Input: an EGMS CSV (YYYYMMDD columns) or a point layer with D_YYYYMMDD / DYYYYMMDD / YYYYMMDD fields, displacements in the chosen unit. Optional reference: the series are re-referenced to the mean of the points within the radius of the reference point (radius 0: the nearest point). The file is read and written in chunks, so a whole city fits in memory.</source>
        <translation>用最小二乘拟合每个永久散射体的位移序列：偏移、速率（mm/年）、加速度（mm/年²，k! 约定：d = c + v·t + a·t²/2）、年周期和半年周期项（A·cos(2πkτ − φ) 的振幅（mm）和相位（度），τ 从 1 月 1 日起算）以及指定日期的阶跃（mm）。每个点输出：各系数及由残差方差得到的标准差（σ² = eᵀe/(N − P)，C = σ²(GᵀG)⁻¹）、RMSE、所用期数和模型在整个时段的累计位移。缺失的期次按点跳过；期数过少的点给出 fit_flag。
输入：EGMS CSV（YYYYMMDD 列）或带 D_YYYYMMDD / DYYYYMMDD / YYYYMMDD 字段的点图层，位移单位可选。可选参考：将序列改为相对参考点半径内各点平均值的序列（半径 0：最近的点）。文件分块读写，整个城市也能放进内存。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="166"/>
        <source>PS points or EGMS CSV</source>
        <translation>PS 点或 EGMS CSV</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="171"/>
        <source>Displacement unit of the input</source>
        <translation>输入位移单位</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="174"/>
        <source>Velocity</source>
        <translation>速率</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="174"/>
        <source>Acceleration</source>
        <translation>加速度</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="174"/>
        <source>Annual seasonal term</source>
        <translation>年周期项</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="174"/>
        <source>Semi-annual seasonal term</source>
        <translation>半年周期项</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="181"/>
        <source>Steps at dates (YYYY-MM-DD, comma separated)</source>
        <translation>阶跃日期（YYYY-MM-DD，逗号分隔）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="186"/>
        <source>Reference (stable) point</source>
        <translation>参考（稳定）点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="189"/>
        <source>Reference radius in metres (0 = the nearest point)</source>
        <translation>参考半径（米，0 = 最近的点）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="198"/>
        <source>Write the series as D_YYYYMMDD fields (for the plot)</source>
        <translation>将序列写为 D_YYYYMMDD 字段（用于绘图）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="203"/>
        <source>CRS of a CSV without latitude/longitude</source>
        <translation>无经纬度 CSV 的坐标参考系</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="208"/>
        <source>Fitted PS points</source>
        <translation>拟合后的 PS 点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="213"/>
        <source>Points fitted</source>
        <translation>已拟合点数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="231"/>
        <source>Layer &apos;{layer}&apos; has no date fields (YYYYMMDD, D_YYYYMMDD or DYYYYMMDD) holding displacements.</source>
        <translation>图层“{layer}”没有存放位移的日期字段（YYYYMMDD、D_YYYYMMDD 或 DYYYYMMDD）。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="246"/>
        <source>Model: {model}</source>
        <translation>模型：{model}</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="264"/>
        <source>{count} point(s) not fitted: {reason}</source>
        <translation>{count} 个点未拟合：{reason}</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="265"/>
        <source>{fitted} of {points} points fitted over {dates} dates.</source>
        <translation>{points} 个点中 {fitted} 个已拟合，共 {dates} 期。</translation>
    </message>
</context>
<context>
    <name>FrameMessages</name>
    <message>
        <location filename="../processing/qgis_frames.py" line="208"/>
        <source>Layer &apos;{layer}&apos; has no CRS: assign one (distances are in metres).</source>
        <translation>图层“{layer}”没有坐标参考系：请先指定（距离以米为单位）。</translation>
    </message>
    <message>
        <location filename="../processing/qgis_frames.py" line="220"/>
        <source>{layer} is in geographic coordinates; distances are computed in {crs}.</source>
        <translation>{layer} 为地理坐标；距离在 {crs} 中计算。</translation>
    </message>
</context>
<context>
    <name>GnssAvailabilityAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="485"/>
        <source>GNSS availability map</source>
        <translation>GNSS 可用性地图</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="488"/>
        <source>gnss,availability,hdop,dop,los,beidou,urban canyon,positioning,satellites,dsm</source>
        <translation>gnss,availability,hdop,dop,los,beidou,urban canyon,positioning,satellites,dsm,可用性,视距,北斗,城市峡谷,定位,卫星,数字表面模型</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="491"/>
        <source>For every cell of the DSM's grid and one sky — the satellites in view at one epoch of an NMEA log (GSV; the epoch nearest the given time, or the one with the most satellites), or a snapshot CSV with columns constellation, prn, azimuth, elevation (degrees) — predicts the number of line-of-sight satellites (all, and BeiDou) and the HDOP of the LOS satellites alone (one receiver clock per constellation), for a receiver the given height above the ground. A satellite is LOS in a cell when its elevation is above the DSM's horizon there in its azimuth; satellites below the elevation mask are not used. Where fewer than 4 satellites (plus one per extra constellation) are LOS, HDOP is no-data: positioning from direct signals fails there. Cells inside buildings are no-data.</source>
        <translation>对 DSM 格网的每个像元和一个天空（NMEA 日志某一历元的可见卫星（GSV；取最接近给定时间的历元，或卫星最多的历元），或带 constellation、prn、azimuth、elevation（度）列的快照 CSV），预测位于地面之上给定高度的接收机的视距（LOS）卫星数（全部卫星及北斗卫星）以及仅由 LOS 卫星计算的 HDOP（每个星座一个接收机钟差）。若卫星的高度角高于该像元处 DSM 在其方位上的地平线高度角，则该卫星在该像元为 LOS；低于截止高度角的卫星不参与计算。LOS 卫星少于 4 颗（每多一个星座再加一颗）时，HDOP 为无数据：该处仅凭直射信号无法定位。位于建筑物内部的像元为无数据。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="504"/>
        <source>NMEA log (satellites of one epoch)</source>
        <translation>NMEA 日志（取一个历元的卫星）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="513"/>
        <source>Epoch time (UTC, e.g. 2024-03-15 23:55:00; empty: fullest sky)</source>
        <translation>历元时间（UTC，例如 2024-03-15 23:55:00；留空：卫星最多的历元）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="518"/>
        <source>Or a constellation snapshot (CSV)</source>
        <translation>或：星座快照（CSV）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="527"/>
        <source>Elevation mask (°)</source>
        <translation>截止高度角（°）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="537"/>
        <source>LOS satellites</source>
        <translation>LOS 卫星数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="538"/>
        <source>LOS BeiDou satellites</source>
        <translation>LOS 北斗卫星数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="541"/>
        <source>LOS-only HDOP</source>
        <translation>仅 LOS 卫星的 HDOP</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="542"/>
        <source>Satellites above the mask</source>
        <translation>截止高度角以上的卫星数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="543"/>
        <source>Share of cells without a LOS fix</source>
        <translation>无法仅凭 LOS 卫星定位的像元比例</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="552"/>
        <source>Give either an NMEA log or a snapshot file, not both.</source>
        <translation>请给出 NMEA 日志或快照文件之一，不要同时给出两者。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="556"/>
        <source>Give an NMEA log or a constellation snapshot file.</source>
        <translation>请给出 NMEA 日志或星座快照文件。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="569"/>
        <source>Sky: {what}.</source>
        <translation>天空：{what}。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="595"/>
        <source>{share:.1%} of outdoor cells have no LOS-only fix.</source>
        <translation>{share:.1%} 的室外像元无法仅凭 LOS 卫星定位。</translation>
    </message>
</context>
<context>
    <name>GnssLosAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="334"/>
        <source>GNSS line-of-sight from an NMEA log</source>
        <translation>基于 NMEA 日志的 GNSS 视距分析</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="337"/>
        <source>gnss,nlos,los,beidou,gps,nmea,gsv,multipath,urban canyon,shadow matching,hdop,c/n0</source>
        <translation>gnss,nlos,los,beidou,gps,nmea,gsv,multipath,urban canyon,shadow matching,hdop,c/n0,视距,非视距,北斗,多路径,城市峡谷,阴影匹配,载噪比</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="340"/>
        <source>For each epoch of an NMEA 0183 log, takes the satellites in view from GSV (PRN, elevation, azimuth, C/N0; the talker gives the constellation: GP GPS, BD/GB BeiDou, GA Galileo, GL GLONASS) and the receiver position from GGA, and classifies each satellite LOS when its elevation is above the DSM's horizon at the receiver in the satellite's azimuth, else NLOS (blocked: received, if at all, by reflection). The receiver is the given height above the DTM at the logged position.
Outputs: one point per epoch with LOS/NLOS counts per constellation (BeiDou separately), HDOP recomputed from the LOS satellites only (from their azimuth/elevation geometry, one clock per constellation) next to the HDOP of all satellites in view, and the mean C/N0 (dB-Hz) of LOS and NLOS satellites; and one point per satellite observation with its horizon, margin (elevation − horizon, degrees: GSV angles are whole degrees, so |margin| &lt; 1 is uncertain) and status. NLOS signals should be weaker: a clearly lower NLOS mean C/N0 is the check that the 3D model and the log agree (Groves 2011, 'Shadow matching', J. Navigation 64(3)).
Satellites without elevation and epochs without a position or outside the DSM are kept and flagged.</source>
        <translation>对 NMEA 0183 日志的每个历元，从 GSV 取得可见卫星（PRN、高度角、方位角、C/N0；由发送端确定星座：GP 为 GPS，BD/GB 为北斗，GA 为伽利略，GL 为格洛纳斯），从 GGA 取得接收机位置；若卫星高度角高于接收机处 DSM 在该卫星方位上的地平线高度角，则判为 LOS，否则为 NLOS（被遮挡：即使能收到，也是经反射到达）。接收机位于记录位置处 DTM 之上给定高度。
输出：每个历元一个点，含各星座（北斗单列）的 LOS/NLOS 卫星数、仅由 LOS 卫星重新计算的 HDOP（根据其方位角/高度角几何，每个星座一个钟差）及全部可见卫星的 HDOP，以及 LOS 和 NLOS 卫星的平均 C/N0（dB-Hz）；每次卫星观测一个点，含其地平线高度角、余量（高度角 − 地平线高度角，单位为度：GSV 角度为整数度，因此 |余量| &lt; 1 时判定不确定）和状态。NLOS 信号应当更弱：NLOS 平均 C/N0 明显偏低，是三维模型与日志相符的检验依据（Groves 2011，“Shadow matching”，J. Navigation 64(3)）。
没有高度角的卫星，以及没有位置或位于 DSM 以外的历元，均予保留并加以标记。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="357"/>
        <source>NMEA log</source>
        <translation>NMEA 日志</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="366"/>
        <source>Use the log&apos;s GGA altitude as the receiver height</source>
        <translation>使用日志中 GGA 的高程作为接收机高度</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="371"/>
        <source>Epochs with LOS/NLOS counts</source>
        <translation>带 LOS/NLOS 卫星数的历元</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="376"/>
        <source>Satellite observations (LOS/NLOS)</source>
        <translation>卫星观测（LOS/NLOS）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="384"/>
        <source>Mean C/N0 of LOS satellites (dB-Hz)</source>
        <translation>LOS 卫星的平均 C/N0（dB-Hz）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="384"/>
        <source>Mean C/N0 of NLOS satellites (dB-Hz)</source>
        <translation>NLOS 卫星的平均 C/N0（dB-Hz）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="384"/>
        <source>LOS observations</source>
        <translation>LOS 观测数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="384"/>
        <source>NLOS observations</source>
        <translation>NLOS 观测数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="400"/>
        <source>No NMEA log was given.</source>
        <translation>未提供 NMEA 日志。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="444"/>
        <source>{los:,} LOS and {nlos:,} NLOS satellite observations; mean C/N0 {cl:.1f} dB-Hz LOS, {cn:.1f} dB-Hz NLOS.</source>
        <translation>{los:,} 次 LOS 和 {nlos:,} 次 NLOS 卫星观测；平均 C/N0：LOS {cl:.1f} dB-Hz，NLOS {cn:.1f} dB-Hz。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="451"/>
        <source>  {name}: {los:,} LOS, {nlos:,} NLOS; C/N0 {cl:.1f} / {cn:.1f} dB-Hz</source>
        <translation>  {name}：{los:,} 次 LOS，{nlos:,} 次 NLOS；C/N0 {cl:.1f} / {cn:.1f} dB-Hz</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="458"/>
        <source>NLOS satellites are not clearly weaker than LOS ones ({d:.1f} dB): the DSM may not match the place of the log (CRS, date, coverage) or the receiver height is off.</source>
        <translation>NLOS 卫星并不明显弱于 LOS 卫星（{d:.1f} dB）：DSM 可能与日志的地点不符（坐标系、日期、覆盖范围），或接收机高度有误。</translation>
    </message>
</context>
<context>
    <name>GnssMessages</name>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="53"/>
        <source>Raster &apos;{layer}&apos; is not a GDAL raster file; save it as a GeoTIFF first.</source>
        <translation>栅格“{layer}”不是 GDAL 栅格文件；请先将其另存为 GeoTIFF。</translation>
    </message>
</context>
<context>
    <name>HotspotsAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="576"/>
        <source>Subsidence hotspots</source>
        <translation>沉降热点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="579"/>
        <source>insar,hotspot,getis,ord,gi*,fdr,ada,cluster,subsidence</source>
        <translation>insar,热点,getis,ord,gi*,fdr,ada,聚集,沉降</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="582"/>
        <source>Finds significant clusters of moving PS points.
• Getis-Ord Gi* (Ord &amp; Getis 1995) with binary distance-band weights including the point itself; two-sided p-values corrected for multiple testing by the Benjamini-Hochberg false discovery rate; significant points of the same sign linked within the band form a cluster.
• ADA (active deformation areas, Barra et al. 2017): points moving faster than k·σ, σ the robust spread of the velocities (1.4826·MAD), linked within the band.
Clusters with at least the minimum number of points become polygons (the points buffered by half the band) with point count, mean / min / max velocity (mm/yr) and area (m²). Band 0: chosen from the data (distance with about 8 neighbours per point), given in the log. Gi* compares each neighbourhood with the layer's mean: where most points subside, stable ground forms 'uplifting' (relatively high) clusters, so by default only subsiding clusters are kept.</source>
        <translation>查找运动 PS 点的显著聚集区。
• Getis-Ord Gi*（Ord &amp; Getis 1995），采用包含自身的二值距离带权重；双侧 p 值按 Benjamini-Hochberg 错误发现率做多重检验校正；在距离带内相连、符号相同的显著点构成一个聚集区。
• ADA（活动形变区，Barra 等 2017）：运动快于 k·σ 的点（σ 为速率的稳健离散度 1.4826·MAD），在距离带内相连。
点数不少于最小值的聚集区生成多边形（各点以半个距离带缓冲），带点数、平均 / 最小 / 最大速率（mm/年）和面积（m²）。距离带为 0 时由数据确定（每点约 8 个邻点的距离），写入日志。Gi* 将每个邻域与图层均值比较：大多数点沉降时，稳定地面会形成“抬升”（相对较高）聚集区，因此默认只保留沉降聚集区。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="597"/>
        <source>PS points</source>
        <translation>PS 点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="602"/>
        <source>Velocity field (mm/yr)</source>
        <translation>速率字段（mm/年）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="612"/>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="612"/>
        <source>Getis-Ord Gi* with false discovery rate</source>
        <translation>Getis-Ord Gi*（错误发现率校正）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="612"/>
        <source>Active deformation areas (k·σ)</source>
        <translation>活动形变区（k·σ）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="621"/>
        <source>Neighbourhood distance (0 = automatic)</source>
        <translation>邻域距离（0 = 自动）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="626"/>
        <source>False discovery rate (Gi*)</source>
        <translation>错误发现率（Gi*）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="636"/>
        <source>Stability threshold in σ (ADA)</source>
        <translation>稳定阈值（σ 的倍数，ADA）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="645"/>
        <source>Fewest points per cluster</source>
        <translation>每个聚集区最少点数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="654"/>
        <source>Clusters to keep</source>
        <translation>保留的聚集区</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="654"/>
        <source>Subsiding only</source>
        <translation>仅沉降</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="654"/>
        <source>Subsiding and uplifting</source>
        <translation>沉降和抬升</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="663"/>
        <source>Hotspots</source>
        <translation>热点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="668"/>
        <source>Points with statistics</source>
        <translation>带统计量的点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="677"/>
        <source>Clusters</source>
        <translation>聚集区数</translation>
    </message>
</context>
<context>
    <name>ImportBuildingsAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="324"/>
        <source>Import building footprints</source>
        <translation>导入建筑物轮廓</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="327"/>
        <source>Reads building footprints from any OGR vector and maps height (m), floors and use (residential, office, commercial, public, industrial, other) from the common field names in English and Chinese (e.g. height, HEIGHT, 高度, floors, 层数, use, type, 用途); name the fields to override. Implausible heights are treated as unknown, invalid footprints repaired; unknown uses are listed in the log.</source>
        <translation>从任意 OGR 矢量数据读取建筑物轮廓，并根据常见的中英文字段名（如 height、HEIGHT、高度、floors、层数、use、type、用途）映射高度（米）、层数和用途（住宅、办公、商业、公共、工业、其他）；也可指定字段名。不合理的高度视为未知，无效轮廓会被修复；无法识别的用途列在日志中。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="335"/>
        <source>Height field (optional)</source>
        <translation>高度字段（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="335"/>
        <source>Floors field (optional)</source>
        <translation>层数字段（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="335"/>
        <source>Use field (optional)</source>
        <translation>用途字段（可选）</translation>
    </message>
</context>
<context>
    <name>ImportCellSitesAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="216"/>
        <source>Import OpenCelliD cell sites</source>
        <translation>导入 OpenCelliD 基站</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="219"/>
        <source>Reads an OpenCelliD export (radio, mcc, net, area, cell, unit, lon, lat, range, samples, changeable, created, updated, averageSignal; with or without the header line, plain or gzipped). Times are Unix seconds, read as UTC; an averageSignal of 0 means unknown. Duplicated cells keep the latest update.</source>
        <translation>读取 OpenCelliD 导出文件（radio、mcc、net、area、cell、unit、lon、lat、range、samples、changeable、created、updated、averageSignal；有无表头均可，可为 gzip 压缩）。时间为 Unix 秒，按 UTC 读取；averageSignal 为 0 表示未知。重复的小区保留最近更新的记录。</translation>
    </message>
</context>
<context>
    <name>ImportDriveTestAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="245"/>
        <source>Import drive test</source>
        <translation>导入路测数据</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="248"/>
        <source>Reads a drive-test measurement CSV (comma, semicolon or tab separated; UTF-8, GBK or UTF-16) and maps its columns to time, lon, lat, RSRP (dBm), RSRQ (dB), SINR (dB), RSSI, PCI, cell id, EARFCN, TAC, technology and speed, accepting the common header spellings of drive-test tools in English and Chinese. The log says which column was used for which field and which were not used. Give a mapping such as &apos;rsrp_dbm=Serving RSRP;time=UTC&apos; to override. Values outside the 3GPP TS 36.133 reporting ranges are set to empty and counted.</source>
        <translation>读取路测测量 CSV（逗号、分号或制表符分隔；UTF-8、GBK 或 UTF-16 编码），将各列映射为时间、经度、纬度、RSRP（dBm）、RSRQ（dB）、SINR（dB）、RSSI、PCI、小区标识、EARFCN、TAC、制式和速度，支持常见路测工具的中英文表头写法。日志会说明每个字段使用了哪一列以及哪些列未使用。可用 'rsrp_dbm=Serving RSRP;time=UTC' 形式的映射覆盖。超出 3GPP TS 36.133 上报范围的值置为空并计数。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="258"/>
        <source>Column mapping (field=column;…)</source>
        <translation>列映射（字段=列;…）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="267"/>
        <source>Mapping item &apos;{item}&apos; is not field=column</source>
        <translation>映射项 '{item}' 不是 字段=列 的形式</translation>
    </message>
</context>
<context>
    <name>ImportGpxAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="192"/>
        <source>Import GPX</source>
        <translation>导入 GPX</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="195"/>
        <source>Reads the waypoints, track points and tracks of a GPX 1.0/1.1 file (WGS 84, UTC times).</source>
        <translation>读取 GPX 1.0/1.1 文件中的航点、轨迹点和轨迹（WGS 84，UTC 时间）。</translation>
    </message>
</context>
<context>
    <name>ImportImageryAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="398"/>
        <source>Spectral indices from imagery</source>
        <translation>由影像计算光谱指数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="401"/>
        <source>Computes NDVI = (NIR − Red)/(NIR + Red) (Rouse et al. 1974), NDBI = (SWIR1 − NIR)/(SWIR1 + NIR) (Zha et al. 2003) and NDWI = (Green − NIR)/(Green + NIR) (McFeeters 1996) from a multiband image, on surface reflectance: Sentinel-2 L2A (B3 green, B4 red, B8 NIR, B11 SWIR1; (DN − 1000)/10000 from baseline 04.00), Landsat 8/9 Collection 2 Level-2 (SR_B3, SR_B4, SR_B5, SR_B6; DN × 0.0000275 − 0.2) or GF-2 PMS (B2, B3, B4; no SWIR, so no NDBI). Bands are found by their descriptions, else by the sensor's standard order. Float32 GeoTIFFs, nodata −9999, written block by block.</source>
        <translation>基于地表反射率由多波段影像计算 NDVI = (NIR − Red)/(NIR + Red)（Rouse 等，1974）、NDBI = (SWIR1 − NIR)/(SWIR1 + NIR)（Zha 等，2003）和 NDWI = (Green − NIR)/(Green + NIR)（McFeeters，1996）：Sentinel-2 L2A（B3 绿、B4 红、B8 近红外、B11 短波红外 1；自处理基线 04.00 起为 (DN − 1000)/10000）、Landsat 8/9 Collection 2 Level-2（SR_B3、SR_B4、SR_B5、SR_B6；DN × 0.0000275 − 0.2）或高分二号 PMS（B2、B3、B4；无短波红外，因此无 NDBI）。波段按其描述识别，否则按传感器的标准顺序。输出 Float32 GeoTIFF，无效值 −9999，按块写入。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="411"/>
        <source>Multiband image</source>
        <translation>多波段影像</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="416"/>
        <source>Sensor</source>
        <translation>传感器</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="416"/>
        <source>Detect</source>
        <translation>自动识别</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="416"/>
        <source>GF-2 PMS</source>
        <translation>高分二号 PMS</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="424"/>
        <source>CRS to assign when the file has none</source>
        <translation>文件无坐标系时指定的坐标系</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="442"/>
        <source>Sensor: {sensor}</source>
        <translation>传感器：{sensor}</translation>
    </message>
</context>
<context>
    <name>ImportNmeaAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="147"/>
        <source>Import NMEA log</source>
        <translation>导入 NMEA 日志</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="150"/>
        <source>Reads an NMEA 0183 log (GGA, RMC, GSA, GSV, ZDA; talkers GP GPS, BD/GB BeiDou, GA Galileo, GL GLONASS, GN multi-GNSS, GQ QZSS) with checksums verified. One point per epoch (UTC time, WGS 84 position, altitude, fix quality, satellites used, HDOP/PDOP/VDOP, satellites in view per constellation, mean C/N0 in dB-Hz) and, optionally, a table of the satellites in view (PRN, elevation, azimuth, C/N0). The date comes from RMC or ZDA and is carried across midnight. Lines with bad checksums or too few fields are skipped and counted.</source>
        <translation>读取 NMEA 0183 日志（GGA、RMC、GSA、GSV、ZDA；发送端 GP 为 GPS，BD/GB 为北斗，GA 为伽利略，GL 为格洛纳斯，GN 为多系统，GQ 为 QZSS）并校验校验和。每个历元输出一个点（UTC 时间、WGS 84 位置、高程、定位质量、使用卫星数、HDOP/PDOP/VDOP、各系统可见卫星数、平均载噪比 dB-Hz），并可选输出可见卫星表（PRN、高度角、方位角、载噪比）。日期取自 RMC 或 ZDA，并跨午夜延续。校验和错误或字段不足的行会被跳过并计数。</translation>
    </message>
</context>
<context>
    <name>ImportPsAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="291"/>
        <source>Import InSAR PS points</source>
        <translation>导入 InSAR PS 点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="294"/>
        <source>Reads persistent scatterers from an EGMS CSV (L2a, L2b or L3; comma or semicolon separated; date columns YYYYMMDD) or from a point layer with D_YYYYMMDD / DYYYYMMDD fields (the QGIS InSAR viewer convention). Writes the points with their attributes (velocity in mm/yr) and one D_YYYYMMDD field per epoch (displacement in mm). EGMS positions come from latitude/longitude, else easting/northing in ETRS89-LAEA (EPSG:3035) unless another CRS is assigned.</source>
        <translation>从 EGMS CSV（L2a、L2b 或 L3；逗号或分号分隔；日期列为 YYYYMMDD）或带有 D_YYYYMMDD / DYYYYMMDD 字段的点图层（QGIS InSAR 查看插件的约定）读取永久散射体。输出带属性的点（速率单位 mm/年），每个时相一个 D_YYYYMMDD 字段（形变量单位 mm）。EGMS 位置取自纬度/经度，否则取自 ETRS89-LAEA（EPSG:3035）中的东坐标/北坐标，除非另行指定坐标系。</translation>
    </message>
</context>
<context>
    <name>ImportSourceAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="53"/>
        <source>Input file</source>
        <translation>输入文件</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="66"/>
        <source>CRS to assign when the file has none</source>
        <translation>文件无坐标系时指定的坐标系</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="69"/>
        <source>Reproject to (optional)</source>
        <translation>重投影到（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="74"/>
        <source>Records read</source>
        <translation>读取的记录数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="75"/>
        <source>Lines skipped</source>
        <translation>跳过的行数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="112"/>
        <source>Canceled: no output was written.</source>
        <translation>已取消：未写入任何输出。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="124"/>
        <source>GNSS epochs</source>
        <translation>GNSS 历元</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="124"/>
        <source>Satellites in view</source>
        <translation>可见卫星</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="163"/>
        <source>Waypoints</source>
        <translation>航点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="163"/>
        <source>Track points</source>
        <translation>轨迹点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="163"/>
        <source>Tracks and routes</source>
        <translation>轨迹与路线</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="201"/>
        <source>Cell sites</source>
        <translation>基站</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="230"/>
        <source>Drive-test measurements</source>
        <translation>路测测量点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="276"/>
        <source>PS points</source>
        <translation>PS 点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="309"/>
        <source>Buildings</source>
        <translation>建筑物</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="358"/>
        <source>Point-cloud extent</source>
        <translation>点云范围</translation>
    </message>
</context>
<context>
    <name>IndexPointCloudAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="374"/>
        <source>Index point cloud</source>
        <translation>索引点云</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/import_sources.py" line="377"/>
        <source>Adds a LAS/LAZ/COPC file to the base as its extent polygon with point count, CRS, height range, density and the classes present (points streamed in chunks). A file without a CRS record is indexed only with the CRS you assign: it is never guessed.</source>
        <translation>将 LAS/LAZ/COPC 文件以其范围多边形加入底座，并附点数、坐标系、高程范围、密度和包含的类别（分块流式读取点）。没有坐标系记录的文件只有在您指定坐标系后才会被索引：绝不猜测。</translation>
    </message>
</context>
<context>
    <name>NavCommPanel</name>
    <message>
        <location filename="../ui/navcomm_panel.py" line="21"/>
        <source>Horizon and sky-view factor…</source>
        <translation>地平线与天空开阔度…</translation>
    </message>
    <message>
        <location filename="../ui/navcomm_panel.py" line="22"/>
        <source>GNSS line-of-sight from an NMEA log…</source>
        <translation>基于 NMEA 日志的 GNSS 视距分析…</translation>
    </message>
    <message>
        <location filename="../ui/navcomm_panel.py" line="23"/>
        <source>GNSS availability map…</source>
        <translation>GNSS 可用性地图…</translation>
    </message>
    <message>
        <location filename="../ui/navcomm_panel.py" line="24"/>
        <source>Add BeiDou grid codes…</source>
        <translation>添加北斗网格位置码…</translation>
    </message>
    <message>
        <location filename="../ui/navcomm_panel.py" line="25"/>
        <source>Create a BeiDou grid…</source>
        <translation>创建北斗网格…</translation>
    </message>
    <message>
        <location filename="../ui/navcomm_panel.py" line="28"/>
        <source>GNSS in the urban canyon</source>
        <translation>城市峡谷中的 GNSS</translation>
    </message>
    <message>
        <location filename="../ui/navcomm_panel.py" line="32"/>
        <source>Sky plot of a place</source>
        <translation>地点天空图</translation>
    </message>
    <message>
        <location filename="../ui/navcomm_panel.py" line="41"/>
        <source>BeiDou grid codes (GB/T 39409-2020)</source>
        <translation>北斗网格位置码（GB/T 39409-2020）</translation>
    </message>
</context>
<context>
    <name>PointCloudAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="48"/>
        <source>Point cloud file</source>
        <translation>点云文件</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="48"/>
        <source>Point clouds (*.las *.laz *.LAS *.LAZ);;All files (*.*)</source>
        <translation>点云 (*.las *.laz *.LAS *.LAZ);;所有文件 (*.*)</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="56"/>
        <source>CRS to assign when the file has none</source>
        <translation>文件无坐标系时指定的坐标系</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="63"/>
        <source>No point cloud file was given.</source>
        <translation>未提供点云文件。</translation>
    </message>
</context>
<context>
    <name>PointCloudInfoAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/point_cloud_info.py" line="107"/>
        <source>Point cloud information</source>
        <translation>点云信息</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/point_cloud_info.py" line="80"/>
        <source>las,laz,copc,lidar,header,metadata,crs,classification</source>
        <translation>las,laz,copc,激光雷达,文件头,元数据,坐标系,分类</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/point_cloud_info.py" line="83"/>
        <source>Reads the header of a LAS 1.0–1.4, LAZ or COPC point-cloud file (with laspy) and writes a one-row table: format and version, point format, point count and returns, bounds (x/y/z min and max, in the units of the file's CRS), scale factors, the CRS records found (WKT, GeoTIFF keys, both, or none: a missing CRS is reported, never guessed), RGB, extra-bytes dimensions, GPS time type, software and creation date.

With 'Count points per class' the points are streamed in chunks of one million and counted per ASPRS classification code (the 'classes' field, code:count pairs); memory stays bounded whatever the file size.</source>
        <translation>使用 laspy 读取 LAS 1.0–1.4、LAZ 或 COPC 点云文件的文件头，并输出一行表格：格式与版本、点格式、点数与回波数、范围（x/y/z 最小值与最大值，单位为文件坐标系的单位）、缩放系数、找到的坐标系记录（WKT、GeoTIFF 键、两者皆有或没有：缺失的坐标系会被报告，绝不猜测）、RGB、额外字节维度、GPS 时间类型、生成软件与创建日期。

勾选“按类别统计点数”时，点以每块一百万点的方式流式读取，并按 ASPRS 分类代码计数（“classes”字段，格式为 代码:点数）；无论文件多大，内存占用都保持有界。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/point_cloud_info.py" line="96"/>
        <source>Point cloud file</source>
        <translation>点云文件</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/point_cloud_info.py" line="96"/>
        <source>Point clouds (*.las *.laz *.LAS *.LAZ);;All files (*.*)</source>
        <translation>点云 (*.las *.laz *.LAS *.LAZ);;所有文件 (*.*)</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/point_cloud_info.py" line="104"/>
        <source>Count points per class</source>
        <translation>按类别统计点数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/point_cloud_info.py" line="114"/>
        <source>Point count</source>
        <translation>点数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/point_cloud_info.py" line="115"/>
        <source>CRS (authority id or name)</source>
        <translation>坐标系（机构代码或名称）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/point_cloud_info.py" line="116"/>
        <source>File format</source>
        <translation>文件格式</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/point_cloud_info.py" line="128"/>
        <source>No point cloud file was given.</source>
        <translation>未指定点云文件。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/point_cloud_info.py" line="136"/>
        <source>{file}: {message}</source>
        <translation>{file}：{message}</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/point_cloud_info.py" line="137"/>
        <source>{file}: {format} {version}, point format {pf}, {count} points</source>
        <translation>{file}：{format} {version}，点格式 {pf}，共 {count} 个点</translation>
    </message>
</context>
<context>
    <name>PointCloudSurfacesAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="92"/>
        <source>Point cloud to DSM/DTM/nDSM</source>
        <translation>点云生成 DSM/DTM/nDSM</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="95"/>
        <source>dsm,dtm,ndsm,dem,terrain,ground,lidar,las,laz,raster,height</source>
        <translation>dsm,dtm,ndsm,dem,地形,地面,激光雷达,las,laz,栅格,高度</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="98"/>
        <source>Streams a LAS/LAZ/COPC point cloud chunk by chunk (memory bounded by the raster, not the file) and writes three float32 GeoTIFFs on one grid of the chosen cell size (metres of the output CRS), nodata −9999:
• DSM: highest point per cell, noise (classes 7 and 18) excluded; empty cells stay nodata.
• DTM: mean height of the ground points (ASPRS class 2) per cell. When the cloud has no ground class (or 'Ground filter' is 'always'), the lowest point per cell cleaned by a progressive morphological filter (Zhang et al. 2003) with windows up to the filter window — make it wider than the smallest side of the largest building. Gaps under buildings are interpolated linearly from the ground around them, up to the fill distance; farther cells stay nodata.
• nDSM: DSM − DTM, clipped at 0: the height of buildings and trees above the ground.
A file without a CRS record gets the CRS you assign (it is never guessed); give an output CRS to reproject the points first.</source>
        <translation>分块流式读取 LAS/LAZ/COPC 点云（内存取决于栅格而非文件大小），在所选像元大小（输出坐标系的米）的同一格网上写出三个 float32 GeoTIFF，无数据值 −9999：
• DSM：每个像元的最高点，不含噪声（类别 7 和 18）；无点像元保持无数据。
• DTM：每个像元地面点（ASPRS 类别 2）的平均高程。点云没有地面类别（或“地面滤波”为“始终”）时，取每个像元的最低点并用渐进形态学滤波（Zhang 等 2003）清理，窗口最大为滤波窗口——应大于最大建筑的短边。建筑下方的空缺由周围地面线性插值，最远至填补距离；更远的像元保持无数据。
• nDSM：DSM − DTM，截断于 0：建筑和树木高出地面的高度。
没有坐标系记录的文件使用您指定的坐标系（绝不猜测）；指定输出坐标系可先对点进行投影转换。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="115"/>
        <source>Output CRS (reproject the points)</source>
        <translation>输出坐标系（对点进行投影转换）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="118"/>
        <source>Cell size (m)</source>
        <translation>像元大小（米）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="127"/>
        <source>Extent (default: the whole cloud)</source>
        <translation>范围（默认：整个点云）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="130"/>
        <source>Ground filter</source>
        <translation>地面滤波</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="130"/>
        <source>Automatic: ground class 2 when present, else the morphological filter</source>
        <translation>自动：有地面类 2 时使用它，否则使用形态学滤波</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="130"/>
        <source>Always the morphological filter</source>
        <translation>始终使用形态学滤波</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="130"/>
        <source>Never: ground class 2 only</source>
        <translation>从不：仅使用地面类 2</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="142"/>
        <source>Ground filter window (m)</source>
        <translation>地面滤波窗口（米）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="142"/>
        <source>Fill DTM gaps up to (m from measured ground)</source>
        <translation>DTM 空缺填补距离（距实测地面的米数）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="151"/>
        <source>DSM (surface)</source>
        <translation>DSM（地表）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="152"/>
        <source>DTM (terrain)</source>
        <translation>DTM（地形）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="153"/>
        <source>nDSM (height above ground)</source>
        <translation>nDSM（离地高度）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="154"/>
        <source>Ground from</source>
        <translation>地面来源</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="155"/>
        <source>Columns</source>
        <translation>列数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="156"/>
        <source>Rows</source>
        <translation>行数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="172"/>
        <source>The extent is taken in the point cloud&apos;s CRS (given in {crs}).</source>
        <translation>范围按点云坐标系解释（给定坐标系为 {crs}）。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="190"/>
        <source>{file} has no CRS record and none was assigned: the rasters are written without a CRS.</source>
        <translation>{file} 没有坐标系记录，也未指定坐标系：写出的栅格不带坐标系。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="196"/>
        <source>ground class 2</source>
        <translation>地面类 2</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="197"/>
        <source>progressive morphological filter</source>
        <translation>渐进形态学滤波</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/terrain_algorithms.py" line="200"/>
        <source>{cols} × {rows} cells of {size} m; DTM from {method}; {valid} of {cells} cells have a DTM.</source>
        <translation>{cols} × {rows} 个 {size} 米像元；DTM 来自{method}；{cells} 个像元中 {valid} 个有 DTM 值。</translation>
    </message>
</context>
<context>
    <name>RateSurfaceAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="461"/>
        <source>Subsidence rate surface</source>
        <translation>沉降速率面</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="464"/>
        <source>insar,velocity,raster,interpolation,idw,subsidence,rate</source>
        <translation>insar,速率,栅格,插值,idw,沉降,速率面</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="467"/>
        <source>Interpolates point velocities (mm/yr) to a raster by inverse distance weighting with a search radius (Shepard 1968; as GDAL's invdistnn): each cell takes Σwᵢvᵢ/Σwᵢ, wᵢ = 1/dᵢᵖ, over at most the maximum number of nearest points within the radius. Cells with fewer than the minimum number of points in their search circle stay nodata (−9999): the surface is masked where points are too sparse instead of being extrapolated. Float32 GeoTIFF in the points' CRS (a projected one: geographic inputs are computed in their UTM zone).</source>
        <translation>用带搜索半径的反距离加权（Shepard 1968；同 GDAL 的 invdistnn）将点速率（mm/年）插值为栅格：每个像元取半径内最多若干个最近点的 Σwᵢvᵢ/Σwᵢ，wᵢ = 1/dᵢᵖ。搜索圆内点数少于最小值的像元为无数据（−9999）：点过稀处掩膜而不外推。输出为点坐标系下的 Float32 GeoTIFF（须为投影坐标系：地理坐标输入在其 UTM 带中计算）。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="477"/>
        <source>PS points</source>
        <translation>PS 点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="482"/>
        <source>Velocity field (mm/yr)</source>
        <translation>速率字段（mm/年）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="492"/>
        <source>Cell size</source>
        <translation>像元大小</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="492"/>
        <source>Search radius</source>
        <translation>搜索半径</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="501"/>
        <source>Power</source>
        <translation>幂次</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="506"/>
        <source>Fewest points in the search circle</source>
        <translation>搜索圆内最少点数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="515"/>
        <source>Most points used</source>
        <translation>最多使用点数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="520"/>
        <source>Rate surface (mm/yr)</source>
        <translation>速率面（mm/年）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="546"/>
        <source>{cells} cells, {masked} masked (too few points within the radius).</source>
        <translation>{cells} 个像元，{masked} 个被掩膜（半径内点数过少）。</translation>
    </message>
</context>
<context>
    <name>ReconcileInventoryAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="861"/>
        <source>Reconcile with a gridded inventory (ODIAC / EDGAR)</source>
        <translation>与格网化排放清单对比（ODIAC / EDGAR）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="864"/>
        <source>carbon,co2,odiac,edgar,inventory,reconcile,compare,netcdf</source>
        <translation>carbon,co2,odiac,edgar,inventory,reconcile,compare,netcdf,碳排放,清单,对比,核对</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="867"/>
        <source>Compares the district ledger with a gridded inventory. ODIAC: GeoTIFF of tonne C per cell per month (one band per month; the months given are summed, fewer than 12 are scaled to a year); EDGAR: NetCDF whose 'units' attribute is read (Tonnes or kg per cell per year, or a flux in kg m-2 s-1 × cell area × 365 days) or EDGAR's text format (lat;lon;emission in tons). Carbon becomes CO2 × 44/12. Each district receives each inventory cell's value in proportion to the cell's area inside it (equal-area projection).
Choose what our estimate includes so that the scopes match: inventories place electricity emissions at the power plants (scope 1), the ledger's building electricity is scope 2. Compare a sector file (e.g. EDGAR road transport) with the matching sector only. Output per district: ours_t, inventory_t, difference_t, ratio and the share of the district the inventory covers.</source>
        <translation>将街道碳账本与格网化排放清单对比。ODIAC：每格元每月吨碳的 GeoTIFF（每月一个波段；给出的月份相加，不足 12 个月则折算为全年）；EDGAR：读取 'units' 属性的 NetCDF（每格元每年吨或千克，或 kg m-2 s-1 通量 × 格元面积 × 365 天），或 EDGAR 文本格式（lat;lon;emission，单位吨）。碳按 × 44/12 换算为 CO2。每个街道按清单格元落在其内的面积比例分得该格元的数值（等积投影）。
请选择我方估算所含部分，使范围一致：清单把电力排放记在电厂（范围一），而账本中的建筑用电属于范围二。部门文件（例如 EDGAR 道路交通）只与对应部门比较。每个街道的输出：ours_t、inventory_t、difference_t、ratio 以及清单覆盖该街道的比例。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="881"/>
        <source>District ledger</source>
        <translation>街道碳账本</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="886"/>
        <source>District name field</source>
        <translation>街道名称字段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="891"/>
        <source>Inventory file</source>
        <translation>清单文件</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="899"/>
        <source>Inventory</source>
        <translation>清单</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="900"/>
        <source>Our estimate includes</source>
        <translation>我方估算包含</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="900"/>
        <source>Direct emissions: heating + traffic (scope 1)</source>
        <translation>直接排放：供暖 + 交通（范围一）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="900"/>
        <source>All emissions: electricity + heating + traffic</source>
        <translation>全部排放：电力 + 供暖 + 交通</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="900"/>
        <source>Traffic only</source>
        <translation>仅交通</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="900"/>
        <source>Building heating only</source>
        <translation>仅建筑供暖</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="900"/>
        <source>Buildings: electricity + heating</source>
        <translation>建筑：电力 + 供暖</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="915"/>
        <source>Reconciliation</source>
        <translation>对比结果</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="920"/>
        <source>Reconciliation table</source>
        <translation>对比表</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="929"/>
        <source>Ours / inventory, all districts</source>
        <translation>我方 / 清单（全部街道）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="945"/>
        <source>Layer &apos;{layer}&apos; has no field &apos;{field}&apos;: run the ledger with that sector, or compare another.</source>
        <translation>图层“{layer}”没有字段“{field}”：请带上该部门重新计算账本，或选择其他对比项。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="961"/>
        <source>Ours = {columns}; inventory: {label}.</source>
        <translation>我方 = {columns}；清单：{label}。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="966"/>
        <source>{n} district(s) only partly covered by the inventory.</source>
        <translation>{n} 个街道仅部分被清单覆盖。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="977"/>
        <source>All districts: ours / inventory = {ratio:.2f}.</source>
        <translation>全部街道：我方 / 清单 = {ratio:.2f}。</translation>
    </message>
</context>
<context>
    <name>RenderSceneAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="207"/>
        <source>Render 3D scene to image</source>
        <translation>将三维场景渲染为图像</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="210"/>
        <source>Renders a point cloud — thinned evenly to the point budget (voxel decimation) — with optional extruded building footprints to a PNG image, offscreen (PyVista/VTK, no display needed). Colours: RGB, ASPRS classification (standard palette, with a legend), elevation or intensity (2nd–98th percentile ramp), with eye-dome lighting for depth. Camera: top (north up) or oblique from each side, or your own camera (position and focal point in the cloud's CRS). An optional DTM is drawn as a terrain surface under the buildings. Coordinates are shifted to a local origin before rendering, so large projected coordinates do not jitter.</source>
        <translation>将点云（按点数预算均匀抽稀，体素抽稀）及可选的拉伸建筑轮廓离屏渲染为 PNG 图像（PyVista/VTK，无需显示器）。着色：RGB、ASPRS 分类（标准配色并带图例）、高程或强度（第 2–98 百分位色带），并以眼穹光照（EDL）增强深度感。相机：顶视（北向上）或从各方向斜视，或自定义相机（点云坐标系中的位置和焦点）。可选的 DTM 作为建筑下方的地形表面绘制。渲染前坐标平移到局部原点，大数值投影坐标不会抖动。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="222"/>
        <source>Camera</source>
        <translation>相机</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="222"/>
        <source>Oblique from south</source>
        <translation>自南斜视</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="222"/>
        <source>Oblique from east</source>
        <translation>自东斜视</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="222"/>
        <source>Oblique from north</source>
        <translation>自北斜视</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="222"/>
        <source>Oblique from west</source>
        <translation>自西斜视</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="222"/>
        <source>Top</source>
        <translation>顶视</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="236"/>
        <source>Camera of your own: position; focal point (x,y,z; x,y,z in the cloud's CRS) — overrides</source>
        <translation>自定义相机：位置；焦点（x,y,z; x,y,z，点云坐标系）——优先于预设</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="243"/>
        <source>Width (px)</source>
        <translation>宽度（像素）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="243"/>
        <source>Height (px)</source>
        <translation>高度（像素）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="257"/>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="257"/>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="269"/>
        <source>The camera &apos;{text}&apos; is not &apos;x,y,z; x,y,z&apos; (position; focal point; optional view-up direction).</source>
        <translation>相机“{text}”的格式不是“x,y,z; x,y,z”（位置；焦点；可选的向上方向）。</translation>
    </message>
</context>
<context>
    <name>SceneAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="48"/>
        <source>Point budget (the cloud is thinned evenly to at most this many points)</source>
        <translation>点数预算（点云均匀抽稀到至多此点数）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="57"/>
        <source>Colour by</source>
        <translation>着色依据</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="57"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="57"/>
        <source>RGB</source>
        <translation>RGB</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="57"/>
        <source>Classification</source>
        <translation>分类</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="57"/>
        <source>Elevation</source>
        <translation>高程</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="57"/>
        <source>Intensity</source>
        <translation>强度</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="71"/>
        <source>Building footprints to extrude (optional)</source>
        <translation>要拉伸的建筑轮廓（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="79"/>
        <source>Building height field (m)</source>
        <translation>建筑高度字段（米）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="88"/>
        <source>DTM to show as a terrain surface (optional)</source>
        <translation>作为地形表面显示的 DTM（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="93"/>
        <source>Points in the scene</source>
        <translation>场景中的点数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="107"/>
        <source>{shown} of {total} points in the scene.</source>
        <translation>场景中显示 {total} 个点中的 {shown} 个。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="113"/>
        <source>{file} has no CRS record and none was assigned: the scene is in the file&apos;s own coordinates (the CRS is never guessed).</source>
        <translation>{file} 没有坐标系记录，也未指定坐标系：场景使用文件自身的坐标（坐标系绝不猜测）。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="142"/>
        <source>The DTM {name} cannot be read by GDAL.</source>
        <translation>GDAL 无法读取 DTM {name}。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="144"/>
        <source>The DTM is reprojected to the point cloud&apos;s CRS.</source>
        <translation>DTM 已投影转换到点云坐标系。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="159"/>
        <source>Choose the building height field (fields: {fields}).</source>
        <translation>请选择建筑高度字段（字段：{fields}）。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="164"/>
        <source>The point cloud has no CRS, so the buildings cannot be placed on it: assign its CRS.</source>
        <translation>点云没有坐标系，无法在其上放置建筑：请指定其坐标系。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_algorithms.py" line="172"/>
        <source>{n} buildings without a height were left out.</source>
        <translation>{n} 栋没有高度的建筑被略去。</translation>
    </message>
</context>
<context>
    <name>ScenePackageAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="68"/>
        <source>Export 3D scene package</source>
        <translation>导出三维场景包</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="71"/>
        <source>3d tiles,cesium,gltf,tileset,scene,package,web,lidar,las,laz,buildings,dtm</source>
        <translation>3d tiles,cesium,gltf,瓦片集,场景,场景包,网页,激光雷达,las,laz,建筑物,dtm</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="74"/>
        <source>Writes the point clouds, extruded buildings and the DTM of the base as one 3D scene package: an OGC 3D Tiles 1.1 tileset (tileset.json) of glTF 2.0 binary tiles, a manifest.json (sources with SHA-256, CRS, origin, counts) and a browser viewer.
• Points: an octree with level of detail and ADD refinement: every point of the files is written exactly once; a tile keeps an even sample of at most 'Points per tile' points of its cube and hands the rest to its eight children, so the levels add up to the source count. The files are streamed (memory bounded). Colours: RGB, ASPRS classification, elevation or intensity; classification and intensity are also kept per point (EXT_structural_metadata).
• Buildings: footprints extruded from their base to base + height (metres; default height field: pc_height_m, height, …; base: the field you give, else the lowest DTM height under the footprint). Every attribute is kept and can be picked in the viewer (EXT_mesh_features and EXT_structural_metadata).
• DTM: a terrain surface as a quadtree of triangle grids (REPLACE refinement).
Georeferencing: coordinates go from the base CRS to Earth-centred coordinates (ECEF, EPSG:4978) with PROJ; tiles hold small offsets in an east/north/up frame at an origin near the data, placed on the Earth by the tileset's root transform. CGCS2000 is taken as WGS 84 (they agree to a few centimetres); heights are used as ellipsoidal heights (no geoid model: over a global terrain the package sits off by the geoid undulation, about −8 to −10 m around Beijing). A file without a CRS record gets the CRS you assign (it is never guessed).
Output: a folder, or a single .zip file (give a name ending in .zip, or tick the option). To open it, run python3 serve.py in the package folder (browsers refuse file:// pages) and the page opens in your browser (CesiumJS, offline); or serve the folder from any web server, load tileset.json in CesiumJS, or add it in QGIS 3.34+ as a &quot;Cesium 3D Tiles&quot; layer. The package is written to a hidden folder and moved into place when complete: a failure or a cancel leaves nothing; an existing output is replaced only when it is a CityTwin package.</source>
        <translation>将底座的点云、拉伸的建筑物和数字地面模型 DTM 写为一个三维场景包：由 glTF 2.0 二进制瓦片组成的 OGC 3D Tiles 1.1 瓦片集（tileset.json）、manifest.json（带 SHA-256 的数据源、坐标系、原点、数量）和一个浏览器查看器。
• 点：带细节层次（LOD）的八叉树，采用 ADD 细化：文件中的每个点恰好写出一次；每个瓦片保留其立方体内至多“每瓦片点数上限”个均匀抽样的点，其余交给它的八个子瓦片，因此各层点数之和等于源点数。文件按块流式读取（内存有界）。着色方式：RGB、ASPRS 分类、高程或强度；分类和强度也逐点保存（EXT_structural_metadata）。
• 建筑物：轮廓从基底拉伸到基底 + 高度（米；默认高度字段：pc_height_m、height、…；基底：您给出的字段，否则取轮廓下 DTM 的最低高程）。所有属性都保留，可在查看器中点选（EXT_mesh_features 和 EXT_structural_metadata）。
• DTM：由三角网格四叉树构成的地形表面（REPLACE 细化）。
地理参考：坐标用 PROJ 从底座坐标系转换到地心地固坐标（ECEF，EPSG:4978）；瓦片保存的是以数据附近原点为中心的东/北/天（ENU）局部坐标系中的小偏移量，由瓦片集根节点的 transform 放回地球上。CGCS2000 按 WGS 84 处理（两者相差仅几厘米）；高程按椭球高使用（不使用大地水准面模型：叠加在全球地形上时，场景包会偏离一个大地水准面差距，北京附近约 −8 至 −10 米）。没有坐标系记录的文件使用您指定的坐标系（坐标系绝不猜测）。
输出：一个文件夹，或单个 .zip 文件（给出以 .zip 结尾的名称，或勾选该选项）。打开方法：在场景包文件夹中运行 python3 serve.py（浏览器不允许 file:// 页面读取瓦片），页面会在浏览器中打开（CesiumJS，可离线）；也可以用任意网页服务器发布该文件夹、在 CesiumJS 中加载 tileset.json，或在 QGIS 3.34+ 中将其添加为“Cesium 3D Tiles”图层。场景包先写入一个隐藏文件夹，完成后才移到目标位置：失败或取消都不会留下任何内容；已有的输出只有在它是 CityTwin 场景包时才会被替换。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="103"/>
        <source>Point clouds (LAS/LAZ/COPC files)</source>
        <translation>点云（LAS/LAZ/COPC 文件）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="111"/>
        <source>CRS to assign to point clouds whose file has none</source>
        <translation>文件无坐标系时为点云指定的坐标系</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="116"/>
        <source>Building footprints (optional)</source>
        <translation>建筑物轮廓（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="124"/>
        <source>Building height field (m above the base)</source>
        <translation>建筑物高度字段（高出基底的米数）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="124"/>
        <source>Building base elevation field (m; default: from the DTM)</source>
        <translation>建筑物基底高程字段（米；默认：取自 DTM）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="137"/>
        <source>DTM (optional)</source>
        <translation>数字地面模型 DTM（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="138"/>
        <source>Colour points by</source>
        <translation>点的着色方式</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="138"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="138"/>
        <source>RGB</source>
        <translation>RGB</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="138"/>
        <source>Classification</source>
        <translation>分类</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="138"/>
        <source>Elevation</source>
        <translation>高程</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="138"/>
        <source>Intensity</source>
        <translation>强度</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="152"/>
        <source>Points per tile (at most)</source>
        <translation>每瓦片点数上限</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="162"/>
        <source>Maximum octree depth (0: as deep as the point budget needs)</source>
        <translation>八叉树最大深度（0：按每瓦片点数上限所需的深度）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="173"/>
        <source>Write the package as one .zip file</source>
        <translation>将场景包写为单个 .zip 文件</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="176"/>
        <source>Scene package (folder, or a name ending in .zip)</source>
        <translation>三维场景包（文件夹，或以 .zip 结尾的文件名）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="181"/>
        <source>Points in the package</source>
        <translation>场景包中的点数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="182"/>
        <source>Buildings in the package</source>
        <translation>场景包中的建筑物数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="183"/>
        <source>Tiles with content</source>
        <translation>有内容的瓦片数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="204"/>
        <source>Point cloud {file}: file not found.</source>
        <translation>点云 {file}：文件不存在。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="219"/>
        <source>Buildings layer &apos;{layer}&apos; has no CRS: assign one (a CRS is never guessed).</source>
        <translation>建筑物图层“{layer}”没有坐标系：请为其指定坐标系（坐标系绝不猜测）。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="228"/>
        <source>Buildings layer '{layer}': no building has a height in field '{field}' (all NULL or ≤ 0).</source>
        <translation>建筑物图层“{layer}”：字段“{field}”中没有任何建筑物有高度（全部为空或 ≤ 0）。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="234"/>
        <source>Buildings layer &apos;{layer}&apos;: {n} buildings without a height in &apos;{field}&apos; are left out.</source>
        <translation>建筑物图层“{layer}”：{n} 栋在“{field}”中没有高度的建筑物未导出。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="239"/>
        <source>{n} buildings from &apos;{layer}&apos;, heights from field &apos;{field}&apos;.</source>
        <translation>来自“{layer}”的 {n} 栋建筑物，高度取自字段“{field}”。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="265"/>
        <source>No output folder was given.</source>
        <translation>未给出输出文件夹。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="281"/>
        <source>Nothing to export: give point clouds, buildings or a DTM.</source>
        <translation>没有可导出的内容：请给出点云、建筑物或 DTM。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="302"/>
        <source>{points} points, {buildings} buildings, {tiles} tiles -&gt; {path}</source>
        <translation>{points} 个点，{buildings} 栋建筑物，{tiles} 个瓦片 -&gt; {path}</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/scene_package_algorithm.py" line="308"/>
        <source>To view it: python3 serve.py in {folder} (then open the address it prints).</source>
        <translation>查看方法：在 {folder} 中运行 python3 serve.py（然后打开它显示的地址）。</translation>
    </message>
</context>
<context>
    <name>ScenePackageLauncher</name>
    <message>
        <location filename="../ui/scene_package_dialog.py" line="108"/>
        <source>The CityTwin Processing provider is not loaded.</source>
        <translation>CityTwin 处理工具提供程序未加载。</translation>
    </message>
    <message>
        <location filename="../ui/scene_package_dialog.py" line="129"/>
        <source>3D scene package written ({points} points, {tiles} tiles): {path}</source>
        <translation>三维场景包已写出（{points} 个点，{tiles} 个瓦片）：{path}</translation>
    </message>
    <message>
        <location filename="../ui/scene_package_dialog.py" line="144"/>
        <source>CityTwin</source>
        <translation>城市孪生 CityTwin</translation>
    </message>
    <message>
        <location filename="../ui/scene_package_dialog.py" line="135"/>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
</context>
<context>
    <name>SkyPlotDock</name>
    <message>
        <location filename="../ui/sky_plot.py" line="67"/>
        <source>CityTwin — Sky Plot</source>
        <translation>CityTwin — 天空图</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="82"/>
        <source>Pick on map</source>
        <translation>在地图上选取</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="84"/>
        <source>Click a place on the map to plot its sky</source>
        <translation>在地图上点击一个位置，绘制其天空图</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="86"/>
        <source>Export PNG…</source>
        <translation>导出 PNG…</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="107"/>
        <source>Choose the DSM, then click a place on the map.</source>
        <translation>请选择 DSM，然后在地图上点击一个位置。</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="118"/>
        <source>NMEA logs (*.nmea *.nma *.log *.txt)</source>
        <translation>NMEA 日志 (*.nmea *.nma *.log *.txt)</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="127"/>
        <source>DSM:</source>
        <translation>DSM：</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="128"/>
        <source>DTM (optional):</source>
        <translation>DTM（可选）：</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="129"/>
        <source>NMEA log (optional):</source>
        <translation>NMEA 日志（可选）：</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="130"/>
        <source>Receiver height:</source>
        <translation>接收机高度：</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="131"/>
        <source>Elevation mask:</source>
        <translation>截止高度角：</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="184"/>
        <source>Choose the DSM raster first.</source>
        <translation>请先选择 DSM 栅格。</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="192"/>
        <source>The click could not be transformed to the DSM&apos;s CRS: {error}</source>
        <translation>点击位置无法转换到 DSM 的坐标系：{error}</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="218"/>
        <source>No epoch of the log within 50 m of this place: skyline only.</source>
        <translation>日志中没有距此位置 50 m 以内的历元：仅显示天际线。</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="220"/>
        <source>Sky at {x:.1f}, {y:.1f} ({crs}).</source>
        <translation>{x:.1f}, {y:.1f}（{crs}）处的天空。</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="237"/>
        <source>Sky plot</source>
        <translation>天空图</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="238"/>
        <source>LOS</source>
        <translation>LOS（视距）</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="239"/>
        <source>NLOS (blocked)</source>
        <translation>NLOS（被遮挡）</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="240"/>
        <source>Buildings (DSM horizon)</source>
        <translation>建筑物（DSM 地平线）</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="241"/>
        <source>Elevation mask</source>
        <translation>截止高度角</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="242"/>
        <source>Sky-view factor {svf:.2f} · open sky above {mask:g}°: {open:.0%}</source>
        <translation>天空开阔度 {svf:.2f} · {mask:g}° 以上的开阔天空：{open:.0%}</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="243"/>
        <source>{n_los} LOS / {n_nlos} NLOS satellites · epoch {time} ({distance:.0f} m away)</source>
        <translation>{n_los} 颗 LOS / {n_nlos} 颗 NLOS 卫星 · 历元 {time}（距此 {distance:.0f} m）</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="258"/>
        <source>Export sky plot</source>
        <translation>导出天空图</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="265"/>
        <source>Pick a place first.</source>
        <translation>请先选取一个位置。</translation>
    </message>
    <message>
        <location filename="../ui/sky_plot.py" line="271"/>
        <source>Written: {path}</source>
        <translation>已写入：{path}</translation>
    </message>
</context>
<context>
    <name>SkyViewAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="143"/>
        <source>Horizon and sky-view factor</source>
        <translation>地平线与天空开阔度</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="146"/>
        <source>sky view factor,svf,horizon,skyline,urban canyon,gnss,satellite,obstruction,dsm</source>
        <translation>sky view factor,svf,horizon,skyline,urban canyon,gnss,satellite,obstruction,dsm,天空开阔度,天空可视因子,地平线,天际线,城市峡谷,卫星,遮挡,数字表面模型</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="149"/>
        <source>From a DSM (the twin's or any raster in a projected CRS in metres) computes, at a receiver the given height above the DTM (above the DSM when no DTM is given), the horizon elevation angle in N azimuth sectors (default 72, i.e. every 5°, clockwise from grid north), by walking a ray through the DSM in each sector's central direction up to the search distance.
• Sky-view factor SVF = 1 − mean over sectors of sin²(horizon): the cosine-weighted view of the sky of a flat receiving surface used in urban climatology (Oke 1988, Energy and Buildings 11); at the centre of a long street canyon of height H and width W it is cos(atan(2H/W)). 1 = open sky.
• Open-sky fraction above the elevation mask: the share of the solid angle of the sky above the mask that is not blocked (e.g. 25° for satellite direct-to-device links).
Rasters cover every DSM cell (or every Nth); cells where the receiver would be inside a building (DSM above the receiver) are no-data. With input points, each point gets svf, open_sky and its horizon profile (comma-separated degrees, one per sector from north) for a sky plot; points outside the DSM are flagged, not dropped. DSM no-data does not block rays; the share of each ray on no-data is reported (gap_fraction).</source>
        <translation>由 DSM（孪生底座的 DSM，或任何投影坐标系下以米为单位的栅格）计算位于 DTM 之上给定高度（未给出 DTM 时为 DSM 之上）的接收机在 N 个方位扇区（默认 72 个，即每 5° 一个，自格网北顺时针）中的地平线高度角：沿每个扇区的中心方向在 DSM 中步进射线，直至搜索距离。
• 天空开阔度 SVF = 1 − 各扇区 sin²(地平线高度角) 的平均值：即城市气候学中使用的水平接收面的余弦加权天空可见度（Oke 1988，Energy and Buildings 11）；在高 H、宽 W 的长街道峡谷中心处为 cos(atan(2H/W))。1 = 开阔天空。
• 截止高度角以上的开阔天空比例：截止高度角以上的天空立体角中未被遮挡的比例（例如卫星直连终端链路取 25°）。
栅格覆盖 DSM 的每个像元（或每隔 N 个像元取一个）；接收机会位于建筑物内部的像元（DSM 高于接收机）为无数据。给出输入点时，每个点得到 svf、open_sky 及其地平线剖面（逗号分隔的度数，自北起每个扇区一个），可用于绘制天空图；位于 DSM 以外的点会被标记而不会被删除。DSM 的无数据不遮挡射线；每条射线落在无数据上的比例会被报告（gap_fraction）。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="168"/>
        <source>Points (optional)</source>
        <translation>点（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="173"/>
        <source>Azimuth sectors</source>
        <translation>方位扇区数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="178"/>
        <source>Elevation mask for the open-sky fraction (°)</source>
        <translation>开阔天空比例的截止高度角（°）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="188"/>
        <source>Compute every Nth cell of the rasters</source>
        <translation>栅格每隔 N 个像元计算一次</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="197"/>
        <source>Sky-view factor</source>
        <translation>天空开阔度</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="198"/>
        <source>Open-sky fraction</source>
        <translation>开阔天空比例</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="201"/>
        <source>Points with sky view</source>
        <translation>带天空开阔度的点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="210"/>
        <source>Mean sky-view factor</source>
        <translation>平均天空开阔度</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="226"/>
        <source>Choose at least one output: a raster, or points and their output.</source>
        <translation>请至少选择一个输出：栅格，或输入点及其输出。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="263"/>
        <source>{cells:,} cells inside buildings (DSM above the receiver) are no-data.</source>
        <translation>{cells:,} 个位于建筑物内部的像元（DSM 高于接收机）为无数据。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="289"/>
        <source>{n} points lie outside the DSM or on its no-data: their values are empty.</source>
        <translation>{n} 个点位于 DSM 以外或其无数据处：其值为空。</translation>
    </message>
</context>
<context>
    <name>SubsidenceMessages</name>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="113"/>
        <source>Layer &apos;{layer}&apos; has no field &apos;{field}&apos;.</source>
        <translation>图层“{layer}”没有字段“{field}”。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/subsidence_algorithms.py" line="95"/>
        <source>Layer &apos;{layer}&apos; has no point with a geometry.</source>
        <translation>图层“{layer}”没有带几何的点。</translation>
    </message>
</context>
<context>
    <name>SurfaceAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="73"/>
        <source>DSM (surface heights, metres)</source>
        <translation>数字表面模型 DSM（地表高程，米）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="74"/>
        <source>DTM (ground; empty: the DSM)</source>
        <translation>数字地面模型 DTM（地面；留空：使用 DSM）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="77"/>
        <source>Receiver height above the ground (m)</source>
        <translation>接收机离地高度（米）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="87"/>
        <source>Search distance for obstacles (m)</source>
        <translation>障碍物搜索距离（米）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="104"/>
        <source>The DTM was resampled onto the DSM&apos;s grid (bilinear).</source>
        <translation>DTM 已按双线性重采样到 DSM 的格网。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/gnss_algorithms.py" line="107"/>
        <source>{share:.1%} of the DSM is no-data: holes do not block rays; their share is reported per result.</source>
        <translation>DSM 中有 {share:.1%} 为无数据：空洞不遮挡射线；其比例随每个结果报告。</translation>
    </message>
</context>
<context>
    <name>TimeSeriesPlotDock</name>
    <message>
        <location filename="../ui/ts_plot.py" line="100"/>
        <source>CityTwin — Time-Series Plot</source>
        <translation>CityTwin — 时间序列图</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="142"/>
        <source>PS layer:</source>
        <translation>PS 图层：</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="146"/>
        <source>Pick on map</source>
        <translation>在地图上选取</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="148"/>
        <source>Click a point of the PS layer on the map to plot its series</source>
        <translation>在地图上点击 PS 图层的点，绘制其序列</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="150"/>
        <source>Overlay</source>
        <translation>叠加</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="151"/>
        <source>Keep the points already plotted and add the next one</source>
        <translation>保留已绘制的点并添加下一个</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="152"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="161"/>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="162"/>
        <source>Velocity</source>
        <translation>速率</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="164"/>
        <source>Acceleration</source>
        <translation>加速度</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="165"/>
        <source>Annual</source>
        <translation>年周期</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="166"/>
        <source>Semi-annual</source>
        <translation>半年周期</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="172"/>
        <source>Export PNG…</source>
        <translation>导出 PNG…</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="174"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="209"/>
        <source>(from the layer&apos;s fit)</source>
        <translation>（取自图层的拟合）</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="213"/>
        <source>Add a PS point layer with displacement fields (YYYYMMDD, D_YYYYMMDD).</source>
        <translation>请添加带位移字段（YYYYMMDD、D_YYYYMMDD）的 PS 点图层。</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="215"/>
        <source>Click a point of &apos;{layer}&apos; on the map.</source>
        <translation>请在地图上点击“{layer}”的点。</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="231"/>
        <source>The layer &apos;{layer}&apos; has no displacement fields: a PS layer needs one field per date, named YYYYMMDD, D_YYYYMMDD or DYYYYMMDD.</source>
        <translation>图层“{layer}”没有位移字段：PS 图层每个日期需要一个字段，命名为 YYYYMMDD、D_YYYYMMDD 或 DYYYYMMDD。</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="253"/>
        <source>Choose a PS point layer first.</source>
        <translation>请先选择 PS 点图层。</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="262"/>
        <source>The click could not be transformed to the layer&apos;s CRS: {error}</source>
        <translation>点击位置无法转换到图层坐标系：{error}</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="266"/>
        <source>No point of &apos;{layer}&apos; near the click.</source>
        <translation>点击处附近没有“{layer}”的点。</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="309"/>
        <source>The point {point} has no displacement values.</source>
        <translation>点 {point} 没有位移值。</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="336"/>
        <source>Point {point}: {n} epochs; model {model}.</source>
        <translation>点 {point}：{n} 期；模型 {model}。</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="342"/>
        <source>Point {point}: no model fitted ({reason}).</source>
        <translation>点 {point}：未拟合模型（{reason}）。</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="362"/>
        <source>offset</source>
        <translation>偏移</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="363"/>
        <source>velocity</source>
        <translation>速率</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="363"/>
        <source>acceleration</source>
        <translation>加速度</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="363"/>
        <source>annual</source>
        <translation>年周期</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="363"/>
        <source>semi-annual</source>
        <translation>半年周期</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="365"/>
        <source>step {date}</source>
        <translation>阶跃 {date}</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="370"/>
        <source>{point}: no fit</source>
        <translation>{point}：无拟合</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="372"/>
        <source>{point}: v = {vel} ± {sd} mm/yr, RMSE {rmse} mm</source>
        <translation>{point}：v = {vel} ± {sd} mm/年，RMSE {rmse} mm</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="375"/>
        <source>{point}: RMSE {rmse} mm</source>
        <translation>{point}：RMSE {rmse} mm</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="386"/>
        <source>Displacement (mm)</source>
        <translation>位移（mm）</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="387"/>
        <source>Residual
(mm)</source>
        <translation>残差
（mm）</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="388"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="393"/>
        <source>Model: {model}</source>
        <translation>模型：{model}</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="399"/>
        <source>Click a PS point on the map</source>
        <translation>在地图上点击 PS 点</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="482"/>
        <source>Export the plot as PNG</source>
        <translation>将图导出为 PNG</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="482"/>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="487"/>
        <source>Export the series as CSV</source>
        <translation>将序列导出为 CSV</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="487"/>
        <source>CSV table (*.csv)</source>
        <translation>CSV 表格 (*.csv)</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="495"/>
        <source>The file could not be written: {error}</source>
        <translation>无法写入文件：{error}</translation>
    </message>
    <message>
        <location filename="../ui/ts_plot.py" line="497"/>
        <source>Written: {path}</source>
        <translation>已写入：{path}</translation>
    </message>
</context>
<context>
    <name>TrafficEmissionsAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="280"/>
        <source>Road-traffic emissions from GNSS trajectories</source>
        <translation>基于 GNSS 轨迹的道路交通碳排放</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="283"/>
        <source>carbon,co2,traffic,gnss,trajectory,copert,emep,speed,aadt,road</source>
        <translation>carbon,co2,traffic,gnss,trajectory,copert,emep,speed,aadt,road,碳排放,交通,轨迹,北斗,车速,道路</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="286"/>
        <source>Speeds from consecutive GNSS fixes of each track (distance ÷ time between fixes). Segments where time goes backwards or repeats, across a gap longer than the gap limit, or faster than the plausible maximum (a position jump) are excluded and counted in the log; slower than the stop speed is a stop (no distance driven). The CO2 emission factor is the EMEP/EEA (COPERT) speed function EF(v) = (αv² + βv + γ + δ/v)/(εv² + ζv + η)·(1 − RF) g/km, v in km/h clamped to each vehicle class's [vmin, vmax], averaged over the fleet shares (e.g. 'passenger_car_petrol:0.8, bus_diesel:0.2'; empty: the table's fleet_share rows). The shipped coefficients are indicative: replace them by the guidebook's.
Without a road layer: probe emissions × expansion factor (fleet vehicle-km per probe vehicle-km in a year) summed on a grid of the cell size, tCO2/yr per cell. With a road layer and its AADT field: per road, EF(space-mean speed of the probes snapped to it) × length × AADT × 365, tCO2/yr; roads without probes take the default speed (flagged) or stay empty.</source>
        <translation>由每条轨迹相邻 GNSS 定位点计算车速（两点距离 ÷ 时间差）。时间倒退或重复、间隔超过上限、或快于合理最大值（位置跳变）的路段被剔除并在日志中计数；低于停车速度的视为停车（未行驶距离）。CO2 排放因子采用 EMEP/EEA（COPERT）速度函数 EF(v) = (αv² + βv + γ + δ/v)/(εv² + ζv + η)·(1 − RF) g/km，v 以 km/h 计并限制在各车型的 [vmin, vmax] 内，再按车队构成加权（例如 'passenger_car_petrol:0.8, bus_diesel:0.2'；留空：使用因子表的 fleet_share 行）。随插件提供的系数为参考值：请替换为指南中的系数。
无道路图层时：探测车排放 × 扩样系数（每探测车公里对应的全年车队车公里），按格元大小汇总到格网，单位每格元 tCO2/年。有道路图层及其 AADT 字段时：每条道路按 EF（吸附到该道路的探测车空间平均车速）× 长度 × AADT × 365 计算，单位 tCO2/年；无探测数据的道路采用默认车速（并标记）或留空。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="301"/>
        <source>GNSS fixes</source>
        <translation>GNSS 定位点</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="306"/>
        <source>Time field</source>
        <translation>时间字段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="309"/>
        <source>Track field (vehicle or trip id)</source>
        <translation>轨迹字段（车辆或行程编号）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="314"/>
        <source>Fleet shares (class:share, …)</source>
        <translation>车队构成（车型:比例, …）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="317"/>
        <source>Expansion factor (fleet vehicle-km per probe vehicle-km per year)</source>
        <translation>扩样系数（每探测车公里对应的全年车队车公里）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="326"/>
        <source>Road lines (optional)</source>
        <translation>道路线（可选）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="331"/>
        <source>AADT field (vehicles/day)</source>
        <translation>AADT 字段（辆/日）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="342"/>
        <source>Speed on roads without probes (km/h; empty: leave them empty)</source>
        <translation>无探测数据道路的车速（km/h；留空：结果留空）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="353"/>
        <source>Stop below (km/h)</source>
        <translation>停车速度阈值（km/h）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="353"/>
        <source>Position jump above (km/h)</source>
        <translation>位置跳变阈值（km/h）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="353"/>
        <source>Longest gap between fixes (s)</source>
        <translation>定位点最大间隔（秒）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="364"/>
        <source>Traffic emissions</source>
        <translation>交通排放</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="365"/>
        <source>Total tCO2/yr</source>
        <translation>合计 tCO2/年</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="388"/>
        <source>Fleet shares: {error}</source>
        <translation>车队构成：{error}</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="404"/>
        <source>Fleet: {fleet}</source>
        <translation>车队：{fleet}</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="437"/>
        <source>Traffic: {total:,.1f} tCO2/yr.</source>
        <translation>交通：{total:,.1f} tCO2/年。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="465"/>
        <source>{count} road(s) flagged (no probe speed or no AADT).</source>
        <translation>{count} 条道路被标记（无探测车速或无 AADT）。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="341"/>
        <source>Snap distance to roads (m)</source>
        <translation>吸附到道路的距离（米）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="352"/>
        <source>Grid cell size (m)</source>
        <translation>格网大小（米）</translation>
    </message>
</context>
<context>
    <name>VegetationSinkAlgorithm</name>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="486"/>
        <source>Vegetation carbon sink from NDVI</source>
        <translation>基于 NDVI 的植被碳汇</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="489"/>
        <source>carbon,co2,sink,uptake,ndvi,casa,npp,vegetation,light use efficiency</source>
        <translation>carbon,co2,sink,uptake,ndvi,casa,npp,vegetation,light use efficiency,碳汇,植被,光能利用率,净初级生产力</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="492"/>
        <source>CO2 uptake per cell (tCO2/yr) from an NDVI raster.
CASA (Potter et al. 1993): FPAR linear in NDVI between the table's ndvi_min and ndvi_max (clamped to FPAR 0.001–0.95), APAR = solar radiation × 0.5 × FPAR (MJ/m²/yr), NPP = APAR × ε_max (0.389 gC/MJ) × stress (the temperature and water scalars as one annual value; 1 = potential), uptake = NPP × cell area × 44/12. Soil respiration is not subtracted: the result is an upper bound of the net uptake.
Land cover: NDVI classes (sealed or water, grass or shrub, trees) with an uptake per hectare each (trees: 0.28 kgC/m²/yr, Nowak et al. 2013).
NDVI outside [−1, 1] is invalid: such cells become nodata and are counted; a raster that looks scaled (e.g. × 10000) is refused with the scale to set. Cell areas come from the raster's CRS (on the sphere for latitude/longitude). Read and written in blocks: any raster size.</source>
        <translation>由 NDVI 栅格计算每个像元的 CO2 吸收量（tCO2/年）。
CASA（Potter 等，1993）：FPAR 在因子表的 ndvi_min 与 ndvi_max 之间随 NDVI 线性变化（限制在 FPAR 0.001–0.95），APAR = 太阳总辐射 × 0.5 × FPAR（MJ/m²/年），NPP = APAR × ε_max（0.389 gC/MJ）× 胁迫系数（温度与水分胁迫合为一个年均值；1 = 潜在值），吸收量 = NPP × 像元面积 × 44/12。未扣除土壤呼吸：结果是净吸收量的上限。
土地覆盖法：按 NDVI 分类（不透水面或水体、草地或灌木、乔木），每类有单位公顷吸收量（乔木：0.28 kgC/m²/年，Nowak 等，2013）。
NDVI 超出 [−1, 1] 视为无效：这些像元设为无数据并计数；看起来经过缩放（例如 × 10000）的栅格会被拒绝，并提示应设的缩放系数。像元面积由栅格坐标系计算（经纬度按球面）。分块读写：栅格大小不限。</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="506"/>
        <source>NDVI raster</source>
        <translation>NDVI 栅格</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="507"/>
        <source>Band</source>
        <translation>波段</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="512"/>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="512"/>
        <source>CASA light-use efficiency</source>
        <translation>CASA 光能利用率模型</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="512"/>
        <source>Land-cover factors</source>
        <translation>土地覆盖因子</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="521"/>
        <source>NDVI scale factor</source>
        <translation>NDVI 缩放系数</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="526"/>
        <source>Annual solar radiation (MJ/m²/yr; empty: the table's Beijing value)</source>
        <translation>年太阳总辐射（MJ/m²/年；留空：使用因子表中的北京值）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="526"/>
        <source>CASA stress scalar (empty: the table&apos;s value)</source>
        <translation>CASA 胁迫系数（留空：使用因子表中的值）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="536"/>
        <source>CO2 uptake (tCO2/yr per cell)</source>
        <translation>CO2 吸收量（每像元 tCO2/年）</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="539"/>
        <source>Total uptake tCO2/yr</source>
        <translation>合计吸收 tCO2/年</translation>
    </message>
    <message>
        <location filename="../processing/algorithms/carbon_algorithms.py" line="570"/>
        <source>{n} cells with NDVI outside [-1, 1] set to nodata.</source>
        <translation>{n} 个像元的 NDVI 超出 [-1, 1]，已设为无数据。</translation>
    </message>
</context>
<context>
    <name>View3DDock</name>
    <message>
        <location filename="../ui/view3d.py" line="60"/>
        <source>CityTwin — 3D View</source>
        <translation>CityTwin — 三维视图</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="78"/>
        <source>Choose a point cloud and click Load.</source>
        <translation>请选择点云并点击“加载”。</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="85"/>
        <source>Right-click a point to see its attributes.</source>
        <translation>右键单击一个点以查看其属性。</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="109"/>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="115"/>
        <source>Point budget: the cloud is thinned evenly to at most this many points</source>
        <translation>点数预算：点云均匀抽稀到至多此点数</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="116"/>
        <source>Load</source>
        <translation>加载</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="118"/>
        <source>Map extent</source>
        <translation>地图范围</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="119"/>
        <source>Load the part of the cloud inside the 2D map&apos;s extent</source>
        <translation>加载二维地图范围内的点云部分</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="129"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="129"/>
        <source>RGB</source>
        <translation>RGB</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="129"/>
        <source>Classification</source>
        <translation>分类</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="129"/>
        <source>Elevation</source>
        <translation>高程</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="129"/>
        <source>Intensity</source>
        <translation>强度</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="135"/>
        <source>Oblique from south</source>
        <translation>自南斜视</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="135"/>
        <source>Oblique from east</source>
        <translation>自东斜视</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="135"/>
        <source>Oblique from north</source>
        <translation>自北斜视</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="135"/>
        <source>Oblique from west</source>
        <translation>自西斜视</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="135"/>
        <source>Top</source>
        <translation>顶视</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="140"/>
        <source>Show on map</source>
        <translation>在地图上显示</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="141"/>
        <source>Zoom the 2D map to the loaded cloud</source>
        <translation>将二维地图缩放到已加载的点云</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="143"/>
        <source>Image…</source>
        <translation>图像…</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="145"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="152"/>
        <source>Separate window</source>
        <translation>独立窗口</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="153"/>
        <source>Open the cloud in a viewer window of its own process</source>
        <translation>在独立进程的查看器窗口中打开点云</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="203"/>
        <source>Open a point cloud</source>
        <translation>打开点云</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="203"/>
        <source>Point clouds (*.las *.laz *.copc.laz)</source>
        <translation>点云 (*.las *.laz *.copc.laz)</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="229"/>
        <source>The interactive 3D view cannot start here ({error}). Showing an offscreen image instead; &apos;Separate window&apos; opens a viewer in its own process.</source>
        <translation>交互式三维视图无法在此启动（{error}）。改为显示离屏图像；“独立窗口”可在独立进程中打开查看器。</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="261"/>
        <source>No point cloud chosen.</source>
        <translation>未选择点云。</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="266"/>
        <source>Reading {name}…</source>
        <translation>正在读取 {name}…</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="281"/>
        <source>CityTwin: reading a point cloud</source>
        <translation>CityTwin：正在读取点云</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="296"/>
        <source>Could not read the point cloud: {error}</source>
        <translation>无法读取点云：{error}</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="299"/>
        <source>Canceled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="323"/>
        <source>{shown} of {total} points shown ({name}).</source>
        <translation>显示 {total} 个点中的 {shown} 个（{name}）。</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="416"/>
        <source>Save a 3D image</source>
        <translation>保存三维图像</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="416"/>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="422"/>
        <source>The image could not be written: {error}</source>
        <translation>无法写出图像：{error}</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="424"/>
        <source>Image written: {path}</source>
        <translation>图像已写出：{path}</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="429"/>
        <source>Export the 3D view</source>
        <translation>导出三维视图</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="429"/>
        <source>glTF binary (*.glb);;VTK (*.vtp *.vtm)</source>
        <translation>glTF 二进制 (*.glb);;VTK (*.vtp *.vtm)</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="437"/>
        <source>The export failed: {error}</source>
        <translation>导出失败：{error}</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="439"/>
        <source>Exported: {path}</source>
        <translation>已导出：{path}</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="473"/>
        <source>Opening a separate viewer window…</source>
        <translation>正在打开独立的查看器窗口…</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="147"/>
        <source>Scene package…</source>
        <translation>三维场景包…</translation>
    </message>
    <message>
        <location filename="../ui/view3d.py" line="148"/>
        <source>Export the cloud, with the project&apos;s buildings and DTM, as a 3D Tiles scene package for the web</source>
        <translation>将点云连同项目中的建筑物和 DTM 导出为用于网页的 3D Tiles 三维场景包</translation>
    </message>
</context>
</TS>
